import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AudioFileError } from '../../../audio/file-decoder';
import type { FileTranscript } from '../../../files/file-transcription';
import { renderTranscript } from '../../../files/openai-transcript';
import { receiveAudioUpload } from '../../audio-upload';
import type { AcceptedAudio, FileJobDetails } from '../../file-intake';
import { HttpError, openAiErrorBody } from '../../http-error';
import type { AudioTask } from '../../model-task';
import { uploadForm } from '../../upload-form';
import { AudioFieldsSchema, type AudioRequest, OPENAI_DEFAULT_MODEL, parseAudioFields } from './audio-fields';

/** The form of /v1/audio/transcriptions, /translations and /jobs, for the OpenAPI document. */
export const OpenAiUploadForm = uploadForm(AudioFieldsSchema.shape);

/** An OpenAI upload: its fields, and the file accepted for the model they name. */
export async function acceptOpenAiUpload(
  app: FastifyInstance,
  request: FastifyRequest,
  task: AudioTask,
): Promise<{ fields: AudioRequest; audio: AcceptedAudio }> {
  const upload = await receiveAudioUpload(request, parseAudioFields);
  const { fields } = upload;
  const audio = await app.files.accept(request, upload, {
    ...(fields.model !== OPENAI_DEFAULT_MODEL ? { model: fields.model } : {}),
    task,
    ...(fields.language !== undefined ? { language: fields.language } : {}),
    ...(fields.targetLanguage !== undefined ? { targetLanguage: fields.targetLanguage } : {}),
    ...(fields.prompt !== undefined ? { prompt: fields.prompt } : {}),
  });
  return { fields, audio };
}

/** A file's transcript in the format asked, with the task, languages and name settled when it was accepted. */
export function renderAsAccepted(
  transcript: FileTranscript,
  { format, granularities }: Pick<AudioRequest, 'format' | 'granularities'>,
  file: Pick<FileJobDetails, 'task' | 'language' | 'targetLanguage' | 'wordTiming' | 'filename'>,
) {
  return renderTranscript(transcript, format, {
    task: file.task,
    language: file.language,
    ...(file.targetLanguage ? { targetLanguage: file.targetLanguage } : {}),
    wordTiming: file.wordTiming,
    granularities,
    filename: file.filename,
  });
}

/**
 * POST /v1/audio/transcriptions and /v1/audio/translations, as OpenAI's API has them: a multipart
 * upload in, the transcript out in the asked format, or as Server-Sent Events with `stream=true`.
 */
const audioRoutes: FastifyPluginAsync = async (app) => {
  const answer = (task: AudioTask) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { fields, audio } = await acceptOpenAiUpload(app, request, task);
    if (fields.stream) {
      return streamEvents(reply, (onWords) =>
        app.files.transcribe(request, reply, audio, {
          onWords: (words) => onWords(words.map((w) => w.word).join(' ')),
        }),
      );
    }
    const transcript = await app.files.transcribe(request, reply, audio);
    const rendered = renderAsAccepted(transcript, fields, audio);
    return reply.type(rendered.contentType).send(rendered.body);
  };

  const described = (summary: string) => ({
    schema: {
      summary,
      description:
        'The transcript in `response_format` (json, text, srt, vtt, verbose_json, ctm), or Server-Sent Events with stream=true.',
      tags: ['OpenAI'],
      multipart: OpenAiUploadForm,
    },
  });
  app.post('/audio/transcriptions', described('OpenAI: transcribe a file'), answer('transcribe'));
  app.post('/audio/translations', described('OpenAI: translate a file into English'), answer('translate'));
};

/**
 * Server-Sent Events as OpenAI streams a transcription: a `transcript.text.delta` as each stretch of
 * speech is recognized, then `transcript.text.done`. Until the first event a failure is an ordinary
 * error reply; after it, an `error` event ends the stream.
 */
async function streamEvents(
  reply: FastifyReply,
  run: (onWords: (text: string) => void) => Promise<{ recognition: { text: string } }>,
): Promise<void> {
  let started = false;
  const send = (data: unknown, event?: string) => {
    if (!started) {
      started = true;
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
    }
    reply.raw.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  };
  let sentText = '';
  try {
    const { recognition } = await run((text) => {
      const delta = sentText ? ` ${text}` : text;
      sentText += delta;
      send({ type: 'transcript.text.delta', delta });
    });
    send({ type: 'transcript.text.done', text: recognition.text });
  } catch (error) {
    if (!started) throw error;
    const failure =
      error instanceof HttpError || error instanceof AudioFileError
        ? openAiErrorBody(400, 'invalid_file', error.message)
        : openAiErrorBody(500, 'internal_error', 'transcription failed');
    send(failure, 'error');
  }
  reply.raw.end();
}

export default audioRoutes;
