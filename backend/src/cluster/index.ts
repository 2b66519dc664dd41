import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { FileJobsOptions, JobQueueFactory, JobRunner } from '../files/file-jobs';
import type { KeyRing } from '../server/api-keys';
import type { UsageStore } from '../server/usage-book';
import { connectRedis } from './redis-connection';
import { type ClusterJobTiming, RedisJobQueue } from './redis-job-queue';
import { RedisKeyRing } from './redis-keys';
import { RedisUsage } from './redis-usage';

export interface ClusterOptions extends Partial<ClusterJobTiming> {
  /** redis:// or rediss:// URL of the Redis every worker shares. */
  redisUrl: string;
  /** A directory every worker reads and writes (a volume, NFS): uploaded audio waits there for its job. */
  jobsDir: string;
}

/** What a worker of a cluster shares with the others, behind the doors the server already has. */
export interface Cluster {
  keys: KeyRing & { readonly count: number };
  usage: UsageStore;
  jobs: { createQueue: JobQueueFactory };
  /** How long a stopping worker gives its open recordings (and then its running job) to finish. */
  drainMs: number;
  /** Stops taking jobs; resolves once the running one finished or, after `drainMs`, went back to the queue. */
  stopTakingJobs(): Promise<void>;
  close(): Promise<void>;
}

/** How long a worker's claim on a job lasts (see ClusterJobTiming.lockMs). */
export const DEFAULT_LOCK_MS = 10_000;
/** How long a stopping worker lets its job (and its live recordings) finish. */
export const DEFAULT_DRAIN_MS = 30_000;

/** Connects this process to the cluster's Redis, as one worker among others. */
export async function joinCluster(options: ClusterOptions): Promise<Cluster> {
  await access(options.jobsDir, constants.R_OK | constants.W_OK).catch(() => {
    throw new Error(
      `--jobs-dir ${options.jobsDir} is not a directory this worker can read and write; create it (shared by every worker)`,
    );
  });
  const workerName = `${hostname()}:${process.pid}`;
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  const redis = await connectRedis(options.redisUrl, `earshot:${workerName}`);
  const subscriber = redis.duplicate();
  const queues: RedisJobQueue<unknown>[] = [];
  subscriber.on('error', () => {});
  try {
    const keys = await RedisKeyRing.open(redis, subscriber);
    const usage = new RedisUsage(redis);
    const createQueue: JobQueueFactory = <Details>(limits: FileJobsOptions, runner: JobRunner<Details>) => {
      const queue = new RedisJobQueue<Details>({
        ...limits,
        lockMs: options.lockMs ?? DEFAULT_LOCK_MS,
        drainMs,
        redis,
        subscriber,
        jobsDir: options.jobsDir,
        workerName,
        runner,
      });
      queues.push(queue as RedisJobQueue<unknown>);
      return queue;
    };
    return {
      keys,
      usage,
      drainMs,
      jobs: { createQueue },
      async stopTakingJobs() {
        await Promise.all(queues.map((queue) => queue.stopTaking().catch(() => {})));
      },
      async close() {
        keys.close();
        await usage.save();
        subscriber.disconnect();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  } catch (error) {
    subscriber.disconnect();
    redis.disconnect();
    throw error;
  }
}
