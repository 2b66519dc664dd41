import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptUploads, receiveAudioUpload } from '../../audio-upload';
import type { AcceptedAudio } from '../../file-intake';
import { answerLikeFastApi } from '../../plugins/error-replies';
import { type NvidiaModelRoles, parseTranscribeFields, TranscribeFormSchema } from './fields';
import nvidiaJobs from './jobs';
import { NVIDIA_ERRORS, NVIDIA_TAGS, TranscriptionResultSchema, transcriptionResult } from './shapes';

export type { NvidiaModelRoles } from './fields';

/**
 * The NVIDIA ASR transcription server's API: `POST /transcribe` (at once) and `/transcribe/async`
 * with `/jobs/{id}/…` (the server's one job list, the same jobs `/v1/audio/jobs` shows), `model`
 * naming the loaded models that play parakeet and canary here.
 */
const nvidiaAsrDoor: FastifyPluginAsyncZod<{ models: NvidiaModelRoles; version: string }> = async (
  app,
  { models, version },
) => {
  answerLikeFastApi(app);
  await acceptUploads(app);

  /** The upload and its fields, the file accepted for the model they name. */
  const accept = async (request: FastifyRequest) => {
    const upload = await receiveAudioUpload(request, (fields) => parseTranscribeFields(fields, models));
    const ask = upload.fields;
    const audio: AcceptedAudio = await app.files.accept(request, upload, {
      ...(ask.modelId !== undefined ? { model: ask.modelId } : {}),
      task: 'transcribe',
      ...(ask.language !== undefined ? { language: ask.language } : {}),
    });
    return { ask, audio };
  };

  app.get(
    '/',
    {
      schema: {
        summary: 'NVIDIA ASR server: what this API offers',
        tags: NVIDIA_TAGS,
        response: {
          200: z.object({
            message: z.string(),
            version: z.string(),
            models: z.object({ parakeet: z.string(), canary: z.string().nullable() }),
            endpoints: z.record(z.string()),
            docs: z.string(),
          }),
        },
      },
    },
    async () => ({
      message: 'Earshot speech server, answering the NVIDIA ASR transcription server API',
      version,
      models: { parakeet: models.parakeet ?? app.models.default.id, canary: models.canary ?? null },
      endpoints: {
        health: 'GET /health',
        transcribe: 'POST /transcribe',
        transcribe_async: 'POST /transcribe/async',
        job_status: 'GET /jobs/{job_id}/status',
        job_result: 'GET /jobs/{job_id}/result',
        job_cancel: 'POST /jobs/{job_id}/cancel',
      },
      docs: '/docs',
    }),
  );

  app.post(
    '/transcribe',
    {
      schema: {
        summary: 'NVIDIA ASR server: transcribe a file and wait for the transcript',
        tags: NVIDIA_TAGS,
        multipart: TranscribeFormSchema,
        response: { 200: TranscriptionResultSchema, ...NVIDIA_ERRORS },
      },
    },
    async (request, reply) => {
      const { ask, audio } = await accept(request);
      const transcript = await app.files.transcribe(request, reply, audio);
      return transcriptionResult(transcript, audio.filename, ask.includeTimestamps, Date.now());
    },
  );

  await app.register(nvidiaJobs, { accept });
};

export default nvidiaAsrDoor;
