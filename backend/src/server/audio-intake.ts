import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AudioFileError } from '../audio/file-decoder';
import {
  type CreateVadStream,
  type FileTranscript,
  type FileTranscriptionOptions,
  transcribeFileThroughQueue,
} from '../files/file-transcription';
import { type AudioRequest, type AudioTask, checkTask, parseAudioFields } from './audio-request';
import { receiveAudioUpload } from './audio-upload';
import type { ModelLease } from './model-pool';
import { leaseRequestModel } from './request-model';

type TranscribeOptions = Omit<FileTranscriptionOptions, 'createVadStream' | 'prompt'>;

/** An upload accepted for a task on a loaded model, holding its file and model until released. */
export interface AcceptedAudio {
  fields: AudioRequest;
  task: AudioTask;
  modelId: string;
  /** The language to report when the engine does not say. */
  language: string;
  /** The uploaded file, and the name the client gave it. */
  upload: { path: string; filename: string };
  transcribe(options: TranscribeOptions): Promise<FileTranscript>;
  /** Returns the model lease and deletes the uploaded file; safe to call more than once. */
  release(): Promise<void>;
}

export interface AudioIntakeOptions {
  createVadStream?: CreateVadStream;
  /** Where uploads are written; the system's temporary directory when not given. */
  uploadDir?: string;
}

/**
 * The part every /v1/audio door shares: the upload, its fields, the model it names and whether that
 * model can do the task. Anything refused here has already freed the file and the model.
 */
export async function acceptAudio(
  app: FastifyInstance,
  request: FastifyRequest,
  task: AudioTask,
  { createVadStream, uploadDir }: AudioIntakeOptions,
): Promise<AcceptedAudio> {
  const upload = await receiveAudioUpload(request, uploadDir);
  let releaseModel = () => {};
  const release = async () => {
    releaseModel();
    await upload.discard();
  };
  try {
    const fields = parseAudioFields(upload.fields);
    const { model, release: unlease } = leaseRequestModel(app, fields.model);
    releaseModel = unlease;
    const language = checkTask(model.recognizer, task, fields.language);
    const file = { path: upload.path, filename: upload.filename };
    return {
      fields,
      task,
      modelId: model.id,
      language,
      upload: file,
      release,
      transcribe: (options) =>
        transcribeLeased(model, file, fields.prompt, createVadStream, options).then((transcript) => {
          app.usage.audioRecognized(app.usage.keyOf(request), transcript.durationSeconds);
          return transcript;
        }),
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Transcribes audio accepted earlier (possibly by another worker of a cluster) with the model it
 * named, counted as `key`'s usage.
 */
export async function transcribeAccepted(
  app: FastifyInstance,
  accepted: { modelId: string; fields: AudioRequest; upload: { path: string; filename: string } },
  key: string | undefined,
  createVadStream: CreateVadStream | undefined,
  options: TranscribeOptions,
): Promise<FileTranscript> {
  const { model, release } = leaseRequestModel(app, accepted.modelId);
  try {
    const transcript = await transcribeLeased(
      model,
      accepted.upload,
      accepted.fields.prompt,
      createVadStream,
      options,
    );
    app.usage.audioRecognized(key, transcript.durationSeconds);
    return transcript;
  } finally {
    release();
  }
}

function transcribeLeased(
  model: ModelLease['model'],
  upload: { path: string; filename: string },
  prompt: string | undefined,
  createVadStream: CreateVadStream | undefined,
  options: TranscribeOptions,
): Promise<FileTranscript> {
  return transcribeFileThroughQueue(
    upload.path,
    { queue: model.queue, sampleRate: model.recognizer.sampleRate },
    {
      ...options,
      ...(prompt !== undefined ? { prompt } : {}),
      ...(createVadStream ? { createVadStream } : {}),
    },
  ).catch((error: unknown) => {
    // ffmpeg's message names the stored file; the client knows its own file name.
    if (!(error instanceof AudioFileError)) throw error;
    throw new AudioFileError(error.message.replaceAll(upload.path, upload.filename));
  });
}
