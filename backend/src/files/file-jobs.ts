import { randomUUID } from 'node:crypto';
import type { FileTranscript } from './file-transcription';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a job runs: its file, transcribed with the abort signal and progress callback given. */
export interface JobWork<Details> {
  /** What the caller wants back with the job (model, task, …); plain JSON. */
  details: Details;
  /** The uploaded audio, for a queue that hands the job to another process. */
  upload: { path: string; filename: string };
  run(
    signal: AbortSignal,
    onProgress: (doneSeconds: number, totalSeconds: number) => void,
  ): Promise<FileTranscript>;
  /** Frees what the job holds (its uploaded file, its model lease); called once, when it ends. */
  release(): Promise<void>;
}

export interface Job<Details> {
  id: string;
  status: JobStatus;
  details: Details;
  /** Unix milliseconds. */
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  doneSeconds: number;
  totalSeconds: number | null;
  result: FileTranscript | null;
  error: Error | null;
}

export interface FileJobsOptions {
  /** Jobs waiting or running at most; more are refused. */
  maxPending: number;
  /** How long a finished job (its result) is kept. */
  keepFinishedMs: number;
}

export class TooManyJobsError extends Error {
  override name = 'TooManyJobsError';
}

/**
 * Where file jobs wait and run: in this process (FileJobs) or, for a cluster, in a queue every worker
 * takes from. The routes know only this.
 */
export interface JobQueue<Details> {
  /** Queues a job; refuses with TooManyJobsError (releasing its work) when the queue is full. */
  submit(work: JobWork<Details>): Promise<Job<Details>>;
  get(id: string): Promise<Job<Details> | undefined>;
  /** Every job kept, newest first. */
  list(): Promise<Job<Details>[]>;
  /** Cancels a queued or running job; returns it, or undefined if unknown. */
  cancel(id: string): Promise<Job<Details> | undefined>;
  close(): Promise<void>;
}

/** Runs a job on whichever process takes it, from what the job holds alone. */
export type JobRunner<Details> = (
  job: { id: string; details: Details; upload: JobWork<Details>['upload'] },
  signal: AbortSignal,
  onProgress: (doneSeconds: number, totalSeconds: number) => void,
) => Promise<FileTranscript>;

/** Makes the queue the job routes use; FileJobs' own when none is given. */
export type JobQueueFactory = <Details>(
  options: FileJobsOptions,
  runner: JobRunner<Details>,
) => JobQueue<Details>;

/** Seconds a running job has left, from its pace so far; null until some audio is done. */
export function jobEtaSeconds(job: Job<unknown>, now = Date.now()): number | null {
  if (job.status !== 'running' || job.startedAt === null || job.totalSeconds === null) return null;
  if (job.doneSeconds <= 0) return null;
  const pace = (now - job.startedAt) / 1000 / job.doneSeconds;
  return Math.max(0, (job.totalSeconds - job.doneSeconds) * pace);
}

/** A job as submitted, not yet started. */
export function newJob<Details>(details: Details): Job<Details> {
  return {
    id: `job_${randomUUID().replaceAll('-', '')}`,
    status: 'queued',
    details,
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    doneSeconds: 0,
    totalSeconds: null,
    result: null,
    error: null,
  };
}

/**
 * Asynchronous file jobs, run one at a time in submission order (they share one recognizer queue
 * at batch priority, so running several at once would not finish any sooner). A job's uploaded
 * file lives until the job ends: done, failed, cancelled, or the registry closed.
 */
export class FileJobs<Details> implements JobQueue<Details> {
  private readonly jobs = new Map<string, Job<Details>>();
  private readonly work = new Map<string, JobWork<Details>>();
  private readonly running = new Map<string, AbortController>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private line: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: FileJobsOptions) {}

  get pending(): number {
    return [...this.jobs.values()].filter((j) => j.status === 'queued' || j.status === 'running').length;
  }

  async submit(work: JobWork<Details>): Promise<Job<Details>> {
    if (this.closed || this.pending >= this.options.maxPending) {
      await work.release();
      throw new TooManyJobsError(
        `${this.options.maxPending} jobs are already waiting or running; try again when one has finished`,
      );
    }
    const job = newJob(work.details);
    this.jobs.set(job.id, job);
    this.work.set(job.id, work);
    this.line = this.line.then(() => this.runJob(job));
    return job;
  }

  async get(id: string): Promise<Job<Details> | undefined> {
    return this.jobs.get(id);
  }

  async list(): Promise<Job<Details>[]> {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Cancels a queued or running job: a running one stops submitting windows and its waiting window is
   * withdrawn, so only the window being decoded finishes. Returns the job, or undefined if unknown.
   */
  async cancel(id: string): Promise<Job<Details> | undefined> {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'queued') {
      this.finish(job, 'cancelled');
      await this.release(job.id);
    } else if (job.status === 'running') {
      this.finish(job, 'cancelled');
      this.running.get(id)?.abort(new Error('the job was cancelled'));
    }
    return job;
  }

  /** Cancels everything and frees every uploaded file; waits for the running job to stop. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.jobs.keys()].map((id) => this.cancel(id)));
    for (const timer of this.expiry.values()) clearTimeout(timer);
    await this.line;
  }

  private async runJob(job: Job<Details>): Promise<void> {
    const work = this.work.get(job.id);
    if (job.status !== 'queued' || !work) return;
    const stop = new AbortController();
    this.running.set(job.id, stop);
    job.status = 'running';
    job.startedAt = Date.now();
    try {
      const result = await work.run(stop.signal, (done, total) => {
        job.doneSeconds = done;
        job.totalSeconds = total;
      });
      if (job.status === 'running') {
        job.result = result;
        this.finish(job, 'succeeded');
      }
    } catch (error) {
      if (job.status === 'running') {
        job.error = error instanceof Error ? error : new Error(String(error));
        this.finish(job, 'failed');
      }
    } finally {
      this.running.delete(job.id);
      await this.release(job.id);
    }
  }

  private finish(job: Job<Details>, status: JobStatus): void {
    job.status = status;
    job.finishedAt = Date.now();
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.jobs.delete(job.id);
      this.expiry.delete(job.id);
    }, this.options.keepFinishedMs);
    timer.unref();
    this.expiry.set(job.id, timer);
  }

  private async release(id: string): Promise<void> {
    const work = this.work.get(id);
    this.work.delete(id);
    await work?.release();
  }
}
