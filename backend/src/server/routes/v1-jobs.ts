import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AudioFileError } from '../../audio/file-decoder';
import { FileJobs, type Job, TooManyJobsError } from '../../files/file-jobs';
import type { CreateVadStream } from '../../files/file-transcription';
import { renderTranscript } from '../../files/openai-transcript';
import { type AcceptedAudio, acceptAudio } from '../audio-intake';
import { parseAudioFields } from '../audio-request';
import { HttpError } from '../http-error';

export interface JobLimits {
  /** Jobs waiting or running at most; more are refused with 429. */
  maxPendingJobs: number;
  /** Seconds a finished job and its result are kept. */
  keepFinishedSeconds: number;
}

type JobDetails = Pick<
  AcceptedAudio,
  'fields' | 'task' | 'modelId' | 'language' | 'targetLanguage' | 'wordTiming'
>;

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Asynchronous transcription jobs (an Earshot extension of OpenAI's API): POST a file as to
 * /v1/audio/transcriptions and get a job id at once; poll it, fetch its result in any format, cancel it.
 */
const v1JobsRoutes: FastifyPluginAsync<JobLimits & { createVadStream?: CreateVadStream }> = async (
  app,
  options,
) => {
  const jobs = new FileJobs<JobDetails>({
    maxPending: options.maxPendingJobs,
    keepFinishedMs: options.keepFinishedSeconds * 1000,
  });
  app.addHook('onClose', async () => jobs.close());

  const view = (job: Job<JobDetails>) => ({
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
    eta_seconds: ((eta) => (eta === null ? null : round(eta)))(jobs.etaSeconds(job)),
    expires_at: job.finishedAt === null ? null : seconds(job.finishedAt + options.keepFinishedSeconds * 1000),
    error: job.error ? { code: errorCode(job.error), message: job.error.message } : null,
  });

  const jobOf = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const job = jobs.get(request.params.id);
    if (!job) throw new HttpError(404, 'job_not_found', `there is no job ${request.params.id}`, 'id');
    return job;
  };

  app.post('/audio/jobs', async (request, reply) => {
    const audio = await acceptAudio(app, request, 'transcribe', options.createVadStream);
    const { fields, task, modelId, language, targetLanguage, wordTiming } = audio;
    try {
      const job = await jobs.submit({
        details: {
          fields,
          task,
          modelId,
          language,
          wordTiming,
          ...(targetLanguage ? { targetLanguage } : {}),
        },
        run: (signal, onProgress) => audio.transcribe({ key: `job-${request.id}`, signal, onProgress }),
        release: audio.release,
      });
      return await reply.code(202).send(view(job));
    } catch (error) {
      if (error instanceof TooManyJobsError) throw new HttpError(429, 'too_many_jobs', error.message);
      throw error;
    }
  });

  app.get('/audio/jobs', async () => ({ object: 'list', data: jobs.list().map(view) }));

  app.get<{ Params: { id: string } }>('/audio/jobs/:id', async (request) => view(jobOf(request)));

  app.delete<{ Params: { id: string } }>('/audio/jobs/:id', async (request) => {
    const job = jobOf(request);
    await jobs.cancel(job.id);
    return view(job);
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string | string[]> }>(
    '/audio/jobs/:id/result',
    async (request, reply) => {
      const job = jobOf(request);
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
        ['response_format', [job.details.fields.format]],
        ['timestamp_granularities[]', job.details.fields.granularities],
      ]);
      for (const [name, value] of Object.entries(request.query)) {
        asked.set(name === 'timestamp_granularities' ? 'timestamp_granularities[]' : name, [value].flat());
      }
      const fields = parseAudioFields(asked);
      const rendered = renderTranscript(job.result, fields.format, {
        task: job.details.task,
        language: job.details.language,
        ...(job.details.targetLanguage ? { targetLanguage: job.details.targetLanguage } : {}),
        wordTiming: job.details.wordTiming,
        granularities: fields.granularities,
      });
      return reply.type(rendered.contentType).send(rendered.body);
    },
  );
};

function errorCode(error: Error): string {
  if (error instanceof HttpError) return error.code;
  return error instanceof AudioFileError ? 'invalid_file' : 'job_failed';
}

export default v1JobsRoutes;
