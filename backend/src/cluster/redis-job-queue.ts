import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Job as BullJob, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { AudioFileError } from '../audio/file-decoder';
import {
  type FileJobsOptions,
  type Job,
  type JobQueue,
  type JobRunner,
  type JobStatus,
  type JobWork,
  newJob,
  TooManyJobsError,
} from '../files/file-jobs';
import type { FileTranscript } from '../files/file-transcription';
import { HttpError } from '../server/http-error';
import { KEY_PREFIX } from './redis-connection';

const QUEUE = 'file-jobs';
const jobKey = (id: string) => `${KEY_PREFIX}:job:${id}`;
/** Job ids by creation time, for listing; entries whose job expired are pruned as they are met. */
const INDEX = `${KEY_PREFIX}:jobs`;
/** Told a job id when it is cancelled, so the worker running it stops. */
const CANCELLED = `${KEY_PREFIX}:jobs:cancelled`;
/** Times a job may be handed back (its worker stopped before finishing it) before it fails. */
const HANDOVERS = 5;

/**
 * Moves a job from one of the statuses in ARGV[1] (",a,b,") to ARGV[2], setting the field/value pairs
 * from ARGV[4] on and expiring it after ARGV[3] ms when that is > 0. Returns the old status, or nil.
 */
const TRANSITION = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return false end
if not string.find(ARGV[1], ',' .. s .. ',', 1, true) then return false end
redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 4))
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return s`;

export interface ClusterJobTiming {
  /**
   * How long a worker's claim on a running job lasts without being renewed: a worker killed mid-job
   * loses its claim after this, and the job is taken again within about twice this time.
   */
  lockMs: number;
  /** How long a stopping worker lets its running job finish before handing it back to the queue. */
  drainMs: number;
}

export interface RedisJobQueueOptions<Details> extends FileJobsOptions, ClusterJobTiming {
  /** Commands; BullMQ's queue and worker make connections of their own from it. */
  redis: Redis;
  /** A connection in subscriber mode, shared with the cluster's other listeners. */
  subscriber: Redis;
  /** The directory every worker reads uploads from; each job's audio moves into its own folder there. */
  jobsDir: string;
  /** This worker's name, recorded on the jobs it runs. */
  workerName: string;
  runner: JobRunner<Details>;
}

interface StoredError {
  kind: 'file' | 'request' | 'other';
  message: string;
  code?: string;
}

/**
 * File jobs in Redis: a hash per job holds what any worker answers about it (status, progress, result),
 * and a BullMQ queue hands the jobs to workers one at a time each. A job whose worker dies is taken
 * again by another once its lock expires (at-least-once); a stopping worker hands its job back.
 */
export class RedisJobQueue<Details> implements JobQueue<Details> {
  private readonly queue: Queue;
  private readonly worker: Worker;
  /** BullMQ leaves connections it was given open. */
  private readonly connections: Redis[];
  private readonly running = new Map<string, AbortController>();
  /** Set once the worker stops taking jobs; submissions go on into the cluster's queue until `closed`. */
  private stopping: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RedisJobQueueOptions<Details>) {
    const { redis } = options;
    redis.defineCommand('earshotJobTransition', { numberOfKeys: 1, lua: TRANSITION });
    this.connections = [redis.duplicate(), redis.duplicate()];
    for (const connection of this.connections) connection.on('error', () => {});
    const [forQueue, forWorker] = this.connections as [Redis, Redis];
    this.queue = new Queue(QUEUE, { connection: forQueue, prefix: KEY_PREFIX });
    this.worker = new Worker(QUEUE, (job) => this.process(job), {
      connection: forWorker,
      prefix: KEY_PREFIX,
      name: options.workerName,
      // One job at a time, as in one process: they share the worker's one inference queue.
      concurrency: 1,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      maxStalledCount: HANDOVERS,
    });
    this.worker.on('error', () => {});
    // BullMQ gives up on a job stalled too often: it fails here too.
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= HANDOVERS) void this.fail(job.data.id, error).catch(() => {});
    });
    options.subscriber.on('message', (channel: string, id: string) => {
      if (channel === CANCELLED) this.running.get(id)?.abort(new Error('the job was cancelled'));
    });
    void options.subscriber.subscribe(CANCELLED).catch(() => {});
  }

  async submit(work: JobWork<Details>): Promise<Job<Details>> {
    if (this.closed || (await this.pending()) >= this.options.maxPending) {
      await work.release();
      throw new TooManyJobsError(
        `${this.options.maxPending} jobs are already waiting or running; try again when one has finished`,
      );
    }
    const job = newJob(work.details);
    let upload: JobWork<Details>['upload'];
    try {
      upload = await this.keepUpload(job.id, work.upload);
    } finally {
      // The file is the job's now; the model lease is taken again where the job runs.
      await work.release();
    }
    await this.options.redis
      .multi()
      .hset(jobKey(job.id), {
        status: job.status,
        details: JSON.stringify(job.details),
        upload: JSON.stringify(upload),
        createdAt: job.createdAt,
        doneSeconds: 0,
      })
      .zadd(INDEX, job.createdAt, job.id)
      .exec();
    await this.queue.add(
      'transcribe',
      { id: job.id },
      { jobId: job.id, attempts: HANDOVERS, removeOnComplete: true, removeOnFail: true },
    );
    return job;
  }

  async get(id: string): Promise<Job<Details> | undefined> {
    return parseJob<Details>(id, await this.options.redis.hgetall(jobKey(id)));
  }

  async list(): Promise<Job<Details>[]> {
    const ids = await this.options.redis.zrevrange(INDEX, 0, -1);
    const jobs = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, i) => jobs[i] === undefined);
    if (gone.length > 0) await this.options.redis.zrem(INDEX, ...gone);
    return jobs.filter((job) => job !== undefined);
  }

  async cancel(id: string): Promise<Job<Details> | undefined> {
    const before = await this.transition(id, ['queued', 'running'], 'cancelled', {
      finishedAt: Date.now(),
    });
    if (before === 'queued') {
      await this.queue.remove(id).catch(() => 0);
      await this.removeUpload(id);
    } else if (before === 'running') {
      await this.options.redis.publish(CANCELLED, id);
    }
    return this.get(id);
  }

  /**
   * Stops taking jobs; the running one has `drainMs` to finish, then goes back to the queue for another
   * worker. Queued jobs stay: they belong to the cluster, and new ones are still accepted into it.
   */
  stopTaking(): Promise<void> {
    this.stopping ??= this.stopWorker();
    return this.stopping;
  }

  async close(): Promise<void> {
    await this.stopTaking();
    if (this.closed) return;
    this.closed = true;
    await this.queue.close();
    for (const connection of this.connections) connection.disconnect();
  }

  private async stopWorker(): Promise<void> {
    const closed = this.worker.close();
    const timer = setTimeout(() => {
      for (const stop of this.running.values()) stop.abort(new Error('the worker is stopping'));
    }, this.options.drainMs);
    await closed;
    clearTimeout(timer);
  }

  private async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Moves the upload's folder (already in the shared directory) to the job's own. */
  private async keepUpload(
    id: string,
    upload: JobWork<Details>['upload'],
  ): Promise<JobWork<Details>['upload']> {
    const dir = path.join(this.options.jobsDir, id);
    const file = path.join(dir, path.basename(upload.path));
    try {
      await rename(path.dirname(upload.path), dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await mkdir(dir, { recursive: true });
      await copyFile(upload.path, file);
    }
    return { path: file, filename: upload.filename };
  }

  private removeUpload(id: string): Promise<void> {
    return rm(path.join(this.options.jobsDir, id), { recursive: true, force: true });
  }

  private async process(bull: BullJob<{ id: string }>): Promise<void> {
    const { id } = bull.data;
    const started = await this.transition(id, ['queued', 'running'], 'running', {
      startedAt: Date.now(),
      worker: this.options.workerName,
    });
    // Cancelled while it waited (or while a worker that died ran it), or expired.
    if (!started) return this.removeUpload(id);
    const hash = await this.options.redis.hgetall(jobKey(id));
    const job = parseJob<Details>(id, hash);
    if (!job || !hash.upload) return;
    const stop = new AbortController();
    this.running.set(id, stop);
    let handBack = false;
    try {
      const result = await this.options.runner(
        { id, details: job.details, upload: JSON.parse(hash.upload) },
        stop.signal,
        (done, total) => {
          void this.options.redis
            .hset(jobKey(id), { doneSeconds: done, totalSeconds: total })
            .catch(() => {});
        },
      );
      await this.transition(id, ['running'], 'succeeded', {
        finishedAt: Date.now(),
        result: JSON.stringify(result),
      });
    } catch (error) {
      // Stopped by this worker's own stop (its drain ran out, or its model closed under it): BullMQ
      // puts a job whose processor threw back in the queue, for another worker.
      handBack = this.stopping !== undefined && !(await this.isCancelled(id));
      if (handBack) throw error;
      await this.fail(id, error);
    } finally {
      this.running.delete(id);
      if (!handBack) await this.removeUpload(id);
    }
  }

  private async isCancelled(id: string): Promise<boolean> {
    return (await this.options.redis.hget(jobKey(id), 'status')) === 'cancelled';
  }

  private async fail(id: string, error: unknown): Promise<void> {
    const failed = await this.transition(id, ['queued', 'running'], 'failed', {
      finishedAt: Date.now(),
      error: JSON.stringify(storedError(error)),
    });
    if (failed) await this.removeUpload(id);
  }

  private async transition(
    id: string,
    from: JobStatus[],
    to: JobStatus,
    fields: Record<string, string | number>,
  ): Promise<JobStatus | null> {
    const ends = to !== 'queued' && to !== 'running';
    const args = [`,${from.join(',')},`, to, ends ? this.options.keepFinishedMs : 0];
    for (const [name, value] of Object.entries(fields)) args.push(name, value);
    const redis = this.options.redis as Redis & {
      earshotJobTransition(key: string, ...args: (string | number)[]): Promise<JobStatus | null>;
    };
    return redis.earshotJobTransition(jobKey(id), ...args);
  }
}

function storedError(error: unknown): StoredError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AudioFileError) return { kind: 'file', message };
  if (error instanceof HttpError) return { kind: 'request', message, code: error.code };
  return { kind: 'other', message };
}

function restoredError({ kind, message, code }: StoredError): Error {
  if (kind === 'file') return new AudioFileError(message);
  if (kind === 'request') return new HttpError(400, (code ?? 'invalid_file') as HttpError['code'], message);
  return new Error(message);
}

function parseJob<Details>(id: string, hash: Record<string, string>): Job<Details> | undefined {
  if (!hash.status || !hash.details) return undefined;
  const number = (value: string | undefined) => (value === undefined ? null : Number(value));
  return {
    id,
    status: hash.status as JobStatus,
    details: JSON.parse(hash.details) as Details,
    createdAt: Number(hash.createdAt),
    startedAt: number(hash.startedAt),
    finishedAt: number(hash.finishedAt),
    doneSeconds: Number(hash.doneSeconds ?? 0),
    totalSeconds: number(hash.totalSeconds),
    result: hash.result ? (JSON.parse(hash.result) as FileTranscript) : null,
    error: hash.error ? restoredError(JSON.parse(hash.error) as StoredError) : null,
  };
}
