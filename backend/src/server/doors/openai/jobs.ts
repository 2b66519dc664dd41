import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { AudioFileError } from '../../../audio/file-decoder';
import { type Job, jobEtaSeconds } from '../../../files/file-jobs';
import type { FileJobDetails } from '../../file-intake';
import { HttpError } from '../../http-error';
import { acceptOpenAiUpload, OpenAiUploadForm, renderAsAccepted } from './audio';
import { parseAudioFields } from './audio-fields';

const JobParamsSchema = z.object({ id: z.string().min(1).max(128) });
const TAGS = ['OpenAI'];

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Asynchronous transcription jobs (an Earshot extension of OpenAI's API): POST a file as to
 * /v1/audio/transcriptions and get a job id at once; poll it, fetch its result in any format, cancel it.
 * The jobs are the server's one job list, whatever door submitted them.
 */
const jobsRoutes: FastifyPluginAsync = async (app) => {
  const { files } = app;

  const view = (job: Job<FileJobDetails>) => ({
    id: job.id,
    object: 'audio.job',
    status: job.status,
    model: job.details.modelId,
    task: job.details.task,
    created_at: seconds(job.createdAt),
    started_at: seconds(job.startedAt),
    finished_at: seconds(job.finishedAt),
    progress: job.totalSeconds ? round(Math.min(1, job.doneSeconds / job.totalSeconds)) : 0,
    audio_seconds_done: round(job.doneSeconds),
    audio_seconds_total: job.totalSeconds === null ? null : round(job.totalSeconds),
    eta_seconds: ((eta) => (eta === null ? null : round(eta)))(jobEtaSeconds(job)),
    expires_at:
      job.finishedAt === null ? null : seconds(job.finishedAt + files.options.keepFinishedSeconds * 1000),
    error: job.error ? { code: errorCode(job.error), message: job.error.message } : null,
  });

  app.post(
    '/audio/jobs',
    {
      schema: {
        summary: 'Earshot: submit a file as an asynchronous job (202 with the job)',
        tags: TAGS,
        multipart: OpenAiUploadForm,
      },
    },
    async (request, reply) => {
      const { fields, audio } = await acceptOpenAiUpload(app, request, 'transcribe');
      const job = await files.submit(request, audio, {
        format: fields.format,
        granularities: fields.granularities,
      });
      return reply.code(202).send(view(job));
    },
  );

  app.get(
    '/audio/jobs',
    { schema: { summary: 'Earshot: every job kept, newest first', tags: TAGS } },
    async () => ({
      object: 'list',
      data: (await files.jobs.list()).map(view),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/audio/jobs/:id',
    { schema: { summary: "Earshot: a job's status and progress", tags: TAGS, params: JobParamsSchema } },
    async (request) => view(await files.job(request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/audio/jobs/:id',
    { schema: { summary: 'Earshot: cancel a queued or running job', tags: TAGS, params: JobParamsSchema } },
    async (request) => {
      const job = await files.job(request.params.id);
      return view((await files.jobs.cancel(job.id)) ?? job);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string | string[]> }>(
    '/audio/jobs/:id/result',
    {
      schema: {
        summary: "Earshot: a finished job's transcript, in the format asked when submitting or in the query",
        tags: TAGS,
        params: JobParamsSchema,
      },
    },
    async (request, reply) => {
      const job = await files.job(request.params.id);
      if (job.status === 'queued' || job.status === 'running') {
        throw new HttpError(
          409,
          'job_not_finished',
          `job ${job.id} is ${job.status}; poll it until it is done`,
        );
      }
      if (job.status === 'cancelled')
        throw new HttpError(409, 'job_cancelled', `job ${job.id} was cancelled`);
      if (!job.result) {
        const message = job.error?.message ?? 'the job failed';
        throw job.error instanceof AudioFileError || job.error instanceof HttpError
          ? new HttpError(400, 'invalid_file', message, 'file')
          : new HttpError(500, 'job_failed', message);
      }
      // The format asked when submitting, unless the query asks another.
      const asked = new Map<string, string[]>([
        ['model', [job.details.modelId]],
        ['response_format', [job.details.format]],
        ['timestamp_granularities[]', job.details.granularities],
      ]);
      for (const [name, value] of Object.entries(request.query)) {
        asked.set(name === 'timestamp_granularities' ? 'timestamp_granularities[]' : name, [value].flat());
      }
      const rendered = renderAsAccepted(job.result, parseAudioFields(asked), job.details);
      return reply.type(rendered.contentType).send(rendered.body);
    },
  );
};

function errorCode(error: Error): string {
  if (error instanceof HttpError) return error.code;
  return error instanceof AudioFileError ? 'invalid_file' : 'job_failed';
}

export default jobsRoutes;
