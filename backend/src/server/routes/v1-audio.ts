import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AudioFileError } from '../../audio/file-decoder';
import type { CreateVadStream } from '../../files/file-transcription';
import { renderTranscript } from '../../files/openai-transcript';
import { acceptAudio } from '../audio-intake';
import type { AudioTask } from '../audio-request';
import { HttpError, openAiErrorBody } from '../http-error';
import v1JobsRoutes, { type JobLimits } from './v1-jobs';

export interface V1AudioOptions {
  createVadStream?: CreateVadStream;
  maxUploadBytes: number;
  jobs: JobLimits;
}

/**
 * POST /v1/audio/transcriptions and /v1/audio/translations, as OpenAI's API has them: a multipart
 * upload in, the transcript out in the asked format, or as Server-Sent Events with `stream=true`;
 * and the asynchronous jobs under /v1/audio/jobs.
 */
const v1AudioRoutes: FastifyPluginAsync<V1AudioOptions> = async (app, options) => {
  await app.register(multipart, {
    limits: { fileSize: options.maxUploadBytes, files: 1, fields: 32, fieldSize: 64 * 1024 },
  });

  const answer = (task: AudioTask) => async (request: FastifyRequest, reply: FastifyReply) => {
    const audio = await acceptAudio(app, request, task, options.createVadStream);
    const stop = new AbortController();
    // A client that goes away stops the compute spent on its file.
    reply.raw.on('close', () => stop.abort(new Error('the client closed the connection')));
    try {
      const key = `file-${request.id}`;
      if (audio.fields.stream) {
        return await streamEvents(reply, (onWords) =>
          audio.transcribe({
            key,
            signal: stop.signal,
            onWords: (words) => onWords(words.map((w) => w.word).join(' ')),
          }),
        );
      }
      const transcript = await audio.transcribe({ key, signal: stop.signal });
      const rendered = renderTranscript(transcript, audio.fields.format, {
        task,
        language: audio.language,
        ...(audio.targetLanguage ? { targetLanguage: audio.targetLanguage } : {}),
        wordTiming: audio.wordTiming,
        granularities: audio.fields.granularities,
      });
      return await reply.type(rendered.contentType).send(rendered.body);
    } finally {
      await audio.release();
    }
  };

  app.post('/audio/transcriptions', answer('transcribe'));
  app.post('/audio/translations', answer('translate'));
  await app.register(v1JobsRoutes, {
    ...options.jobs,
    ...(options.createVadStream ? { createVadStream: options.createVadStream } : {}),
  });
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

export default v1AudioRoutes;
