import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AudioFileError } from '../audio/file-decoder';
import type { WordTiming } from '../engine/types';
import {
  type CreateVadStream,
  type FileTranscript,
  type FileTranscriptionOptions,
  transcribeFileThroughQueue,
} from '../files/file-transcription';
import { type AudioRequest, type AudioTask, checkTask, parseAudioFields } from './audio-request';
import { type AudioUpload, receiveAudioUpload } from './audio-upload';
import { leaseRequestModel } from './request-model';

/** An upload accepted for a task on a loaded model, holding its file and model until released. */
export interface AcceptedAudio {
  fields: AudioRequest;
  task: AudioTask;
  modelId: string;
  /** The language to report when the engine does not say. */
  language: string;
  /** The language the text is written in, when that is a translation. */
  targetLanguage?: string;
  /** How the model's word times are obtained. */
  wordTiming: WordTiming;
  transcribe(options: Omit<FileTranscriptionOptions, 'createVadStream'>): Promise<FileTranscript>;
  /** Returns the model lease and deletes the uploaded file; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * The part every /v1/audio door shares: the upload, its fields, the model it names and whether that
 * model can do the task. Anything refused here has already freed the file and the model.
 */
export async function acceptAudio(
  app: FastifyInstance,
  request: FastifyRequest,
  task: AudioTask,
  createVadStream: CreateVadStream | undefined,
): Promise<AcceptedAudio> {
  const upload = await receiveAudioUpload(request);
  let releaseModel = () => {};
  const release = async () => {
    releaseModel();
    await upload.discard();
  };
  try {
    const fields = parseAudioFields(upload.fields);
    const { model, release: unlease } = leaseRequestModel(app, fields.model);
    releaseModel = unlease;
    const { report, ...languages } = checkTask(model.recognizer, task, fields);
    return {
      fields,
      task,
      modelId: model.id,
      language: languages.language ?? report,
      ...(languages.targetLanguage !== undefined ? { targetLanguage: languages.targetLanguage } : {}),
      wordTiming: model.recognizer.wordTiming ?? 'measured',
      release,
      transcribe: (options) =>
        transcribeFileThroughQueue(
          upload.path,
          { queue: model.queue, sampleRate: model.recognizer.sampleRate },
          {
            ...options,
            languages,
            ...(fields.prompt !== undefined ? { prompt: fields.prompt } : {}),
            ...(createVadStream ? { createVadStream } : {}),
          },
        ).then(
          (transcript) => {
            app.usage.audioRecognized(request, transcript.durationSeconds);
            return transcript;
          },
          (error: unknown) => {
            throw fileError(error, upload);
          },
        ),
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** ffmpeg's message names the temporary file; the client knows its own file name. */
function fileError(error: unknown, upload: AudioUpload): unknown {
  if (!(error instanceof AudioFileError)) return error;
  return new AudioFileError(error.message.replaceAll(upload.path, upload.filename));
}
