import { randomUUID } from 'node:crypto';
import type { FileTranscript } from './file-transcription';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a job runs: its file, transcribed with the abort signal and progress callback given. */
export interface JobWork<Details> {
  /** What the caller wants back with the job (model, task, …). */
  details: Details;
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
 * Asynchronous file jobs, run one at a time in submission order (they share one recognizer queue
 * at batch priority, so running several at once would not finish any sooner). A job's uploaded
 * file lives until the job ends: done, failed, cancelled, or the registry closed.
 */
export class FileJobs<Details> {
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

  /** Queues a job; refuses with TooManyJobsError (releasing its work) when the queue is full. */
  async submit(work: JobWork<Details>): Promise<Job<Details>> {
    if (this.closed || this.pending >= this.options.maxPending) {
      await work.release();
      throw new TooManyJobsError(
        `${this.options.maxPending} jobs are already waiting or running; try again when one has finished`,
      );
    }
    const job: Job<Details> = {
      id: `job_${randomUUID().replaceAll('-', '')}`,
      status: 'queued',
      details: work.details,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      doneSeconds: 0,
      totalSeconds: null,
      result: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    this.work.set(job.id, work);
    this.line = this.line.then(() => this.runJob(job));
    return job;
  }

  get(id: string): Job<Details> | undefined {
    return this.jobs.get(id);
  }

  /** Every job kept, newest first. */
  list(): Job<Details>[] {
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

  /** Seconds left, from the pace so far; null until some audio is done. */
  etaSeconds(job: Job<Details>, now = Date.now()): number | null {
    if (job.status !== 'running' || job.startedAt === null || job.totalSeconds === null) return null;
    if (job.doneSeconds <= 0) return null;
    const pace = (now - job.startedAt) / 1000 / job.doneSeconds;
    return Math.max(0, (job.totalSeconds - job.doneSeconds) * pace);
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
