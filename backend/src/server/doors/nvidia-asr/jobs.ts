import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Job, JobStatus } from '../../../files/file-jobs';
import type { AcceptedAudio, FileIntake, FileJobDetails } from '../../file-intake';
import { HttpError } from '../../http-error';
import { uploadForm } from '../../upload-form';
import {
  isoTime,
  NVIDIA_ERRORS,
  NVIDIA_TAGS,
  TranscriptionResultSchema,
  transcriptionResult,
} from './shapes';

const NVIDIA_STATUS: Record<JobStatus, 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled'> = {
  queued: 'pending',
  running: 'processing',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

const JobParamsSchema = z.object({ job_id: z.string().min(1).max(128) });

const JobStatusSchema = z.object({
  job_id: z.string(),
  status: z.enum(['pending', 'processing', 'completed', 'failed', 'cancelled']),
  filename: z.string(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  error: z.string().nullable(),
  result: TranscriptionResultSchema.nullable(),
});

export interface NvidiaJobsOptions {
  accept(request: FastifyRequest): Promise<{ audio: AcceptedAudio }>;
}

/**
 * The NVIDIA server's asynchronous jobs, as views of the server's one job list: a job submitted here
 * is also in GET /v1/audio/jobs, and one submitted there can be polled here.
 */
const nvidiaJobs: FastifyPluginAsyncZod<NvidiaJobsOptions> = async (app, { accept }) => {
  const { files } = app;

  const result = (job: Job<FileJobDetails>) =>
    job.result
      ? transcriptionResult(job.result, job.details.filename, true, job.finishedAt ?? Date.now())
      : null;

  app.post(
    '/transcribe/async',
    {
      schema: {
        summary: 'NVIDIA ASR server: start a transcription job',
        tags: NVIDIA_TAGS,
        multipart: uploadForm({}),
        response: {
          200: z.object({ job_id: z.string(), status: z.literal('pending'), message: z.string() }),
          ...NVIDIA_ERRORS,
        },
      },
    },
    async (request) => {
      const { audio } = await accept(request);
      const job = await files.submit(request, audio);
      return {
        job_id: job.id,
        status: 'pending' as const,
        message: `Transcription job started for ${audio.filename}`,
      };
    },
  );

  app.get(
    '/jobs/:job_id/status',
    {
      schema: {
        summary: 'NVIDIA ASR server: a job’s status, and its result once completed',
        tags: NVIDIA_TAGS,
        params: JobParamsSchema,
        response: { 200: JobStatusSchema, ...NVIDIA_ERRORS },
      },
    },
    async (request) => {
      const job = await nvidiaJob(files, request.params.job_id);
      return {
        job_id: job.id,
        status: NVIDIA_STATUS[job.status],
        filename: job.details.filename,
        created_at: isoTime(job.createdAt),
        completed_at: job.finishedAt === null ? null : isoTime(job.finishedAt),
        error: job.status === 'failed' ? (job.error?.message ?? 'the job failed') : null,
        result: result(job),
      };
    },
  );

  app.get(
    '/jobs/:job_id/result',
    {
      schema: {
        summary: 'NVIDIA ASR server: a completed job’s transcript',
        tags: NVIDIA_TAGS,
        params: JobParamsSchema,
        response: { 200: TranscriptionResultSchema, ...NVIDIA_ERRORS },
      },
    },
    async (request) => {
      const job = await nvidiaJob(files, request.params.job_id);
      const done = result(job);
      if (done) return done;
      if (job.status === 'failed') {
        throw new HttpError(500, 'job_failed', `Job failed: ${job.error?.message ?? 'the job failed'}`);
      }
      throw new HttpError(
        400,
        job.status === 'cancelled' ? 'job_cancelled' : 'job_not_finished',
        job.status === 'cancelled'
          ? `Job ${job.id} was cancelled`
          : `Job not yet completed (status: ${NVIDIA_STATUS[job.status]})`,
      );
    },
  );

  app.post(
    '/jobs/:job_id/cancel',
    {
      schema: {
        summary: 'NVIDIA ASR server: cancel a pending or processing job',
        tags: NVIDIA_TAGS,
        params: JobParamsSchema,
        response: {
          200: z.object({ message: z.string(), status: z.literal('cancelled') }),
          ...NVIDIA_ERRORS,
        },
      },
    },
    async (request) => {
      const job = await nvidiaJob(files, request.params.job_id);
      if (job.status !== 'queued' && job.status !== 'running') {
        throw new HttpError(
          400,
          'bad_request',
          `Cannot cancel job ${job.id}: it is already ${NVIDIA_STATUS[job.status]}`,
        );
      }
      await files.jobs.cancel(job.id);
      return { message: `Job ${job.id} cancelled`, status: 'cancelled' as const };
    },
  );
};

/** The job, or the NVIDIA server's 404. */
async function nvidiaJob(files: FileIntake, id: string): Promise<Job<FileJobDetails>> {
  const job = await files.jobs.get(id);
  if (!job) throw new HttpError(404, 'job_not_found', `Job ${id} not found`);
  return job;
}

export default nvidiaJobs;
