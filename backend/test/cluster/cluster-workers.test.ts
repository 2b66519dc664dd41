import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli';
import { FIRST_PHRASE, SECOND_PHRASE, writeLoopedSpeech, writeTwoPhraseSpeech } from '../two-phrase-speech';
import {
  cliOutput,
  type RunningRedis,
  startRedis,
  startWorker,
  until,
  type Worker,
} from './cluster-processes';

// Three real workers sharing one real redis-server and one jobs directory, as docs/cluster.md runs them.

interface JobView {
  id: string;
  status: string;
  progress: number;
  error: { code: string; message: string } | null;
}

let dir: string;
let jobsDir: string;
let speech: string;
let long: string;
let redis: RunningRedis;
let inspect: Redis;
let workers: Worker[] = [];
let alice: string;
/** An undisturbed run's transcript of the long file. */
let expected: string;

const workerArgs = () => [
  '--model',
  'tiny-en',
  '--vad',
  'off',
  '--redis',
  redis.url,
  '--jobs-dir',
  jobsDir,
  '--drain-seconds',
  '2',
];

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function submitJob(worker: Worker, file: string): Promise<JobView> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), file.split('/').at(-1));
  form.append('model', 'whisper-1');
  const response = await fetch(`${worker.url}/v1/audio/jobs`, {
    method: 'POST',
    body: form,
    headers: auth(alice),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return (await response.json()) as JobView;
}

async function jobOn(worker: Worker, id: string): Promise<JobView> {
  const response = await fetch(`${worker.url}/v1/audio/jobs/${id}`, { headers: auth(alice) });
  expect(response.status).toBe(200);
  return (await response.json()) as JobView;
}

async function resultText(worker: Worker, id: string): Promise<string> {
  const response = await fetch(`${worker.url}/v1/audio/jobs/${id}/result?response_format=text`, {
    headers: auth(alice),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.text()).trim();
}

const finished = (worker: Worker, id: string, timeoutMs = 120_000) =>
  until(
    async () => {
      const job = await jobOn(worker, id);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
    },
    `job ${id} to finish`,
    timeoutMs,
    250,
  );

/** The pid of the worker running a job, as the job's record in Redis names it. */
const runningOn = (id: string) =>
  until(
    async () => {
      const [status, worker] = await inspect.hmget(`earshot:job:${id}`, 'status', 'worker');
      return status === 'running' && worker ? Number(worker.split(':').at(-1)) : undefined;
    },
    `job ${id} to run`,
    60_000,
    20,
  );

/** Submits the long file and waits until a worker runs it and has made progress; that worker's pid and itself. */
async function longJobUnderWay(): Promise<{ job: JobView; pid: number; worker: Worker }> {
  const job = await submitJob(workers[0] as Worker, long);
  const pid = await runningOn(job.id);
  const worker = workers.find((w) => w.pid === pid) as Worker;
  await until(async () => (await jobOn(worker, job.id)).progress > 0, 'the job to make progress', 60_000, 50);
  return { job, pid, worker };
}

const uploadsLeft = () => readdirSync(jobsDir);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cluster-jobs-'));
  jobsDir = join(dir, 'jobs');
  mkdirSync(jobsDir);
  speech = writeTwoPhraseSpeech(dir);
  // Three minutes of the two phrases over and over: long enough to be caught running.
  long = writeLoopedSpeech(speech, 36);
  redis = await startRedis(dir);
  inspect = new Redis(redis.url);
  alice = (await cliOutput(['keys', 'add', 'alice', '--redis', redis.url])).trim();
  workers = [];
  for (let i = 0; i < 3; i++) workers.push(await startWorker(workerArgs()));
}, 300_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGTERM')));
  inspect?.disconnect();
  await redis?.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** A key's figure in a worker's /metrics, read with alice's key. */
async function metric(worker: Worker, name: string, key: string): Promise<number | undefined> {
  const text = await (await fetch(`${worker.url}/metrics`, { headers: auth(alice) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{key="${key}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function transcribe(worker: Worker, key: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(speech)]), 'speech.wav');
  form.append('model', 'whisper-1');
  form.append('response_format', 'verbose_json');
  const response = await fetch(`${worker.url}/v1/audio/transcriptions`, {
    method: 'POST',
    body: form,
    headers: auth(key),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { duration: number }).duration;
}

describe('cluster settings', () => {
  it('refuses, in one line and before loading a model, a cluster it cannot join', async () => {
    const serve = (...args: string[]) => runCli(['serve', '--model', 'tiny-en', '--port', '0', ...args]);
    const noDir = await serve('--redis', redis.url);
    expect(noDir.stderr.trim()).toMatch(/^earshot: --redis needs --jobs-dir <dir>/);
    const down = await serve('--redis', 'redis://127.0.0.1:1', '--jobs-dir', jobsDir);
    expect(down.stderr.trim()).toMatch(/^earshot: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const keyFile = await serve('--redis', redis.url, '--jobs-dir', jobsDir, '--api-keys', speech);
    expect(keyFile.stderr.trim()).toMatch(/^earshot: with --redis the API keys live in Redis/);
    const missing = await serve('--redis', redis.url, '--jobs-dir', join(dir, 'nowhere'));
    expect(missing.stderr.trim()).toMatch(
      /^earshot: --jobs-dir .* is not a directory this worker can read and write/,
    );
    for (const run of [noDir, down, keyFile, missing]) expect(run.code).toBe(1);
  });
});

describe('usage and keys shared through Redis by three workers', () => {
  it("sums one key's usage spread over the three workers exactly, on every worker", async () => {
    const bob = (await cliOutput(['keys', 'add', 'bob', '--redis', redis.url])).trim();
    let seconds = 0;
    for (let round = 0; round < 2; round++) {
      for (const worker of workers) seconds += await transcribe(worker, bob);
    }
    for (const worker of workers) {
      await until(
        async () => (await metric(worker, 'earshot_key_requests_total', 'bob')) === 6,
        `worker ${worker.port} to count bob's 6 requests`,
        5000,
      );
      const audio = await metric(worker, 'earshot_key_audio_seconds_total', 'bob');
      // Each reply rounds its duration to the millisecond.
      expect(audio).toBeCloseTo(seconds, 2);
    }
    const usage = await fetch(`${workers[2]?.url}/v1/usage`, { headers: auth(bob) });
    expect(await usage.json()).toMatchObject({ key: 'bob', requests: 6, live_seconds: 0, errors: 0 });
  });

  it('accepts a key added through Redis on every worker, and refuses it on every worker once revoked', async () => {
    const carol = (await cliOutput(['keys', 'add', 'carol', '--redis', redis.url])).trim();
    const statusOn = async (worker: Worker) =>
      (await fetch(`${worker.url}/v1/models`, { headers: auth(carol) })).status;
    for (const worker of workers) {
      await until(
        async () => (await statusOn(worker)) === 200,
        `worker ${worker.port} to accept carol`,
        5000,
      );
    }
    expect(await cliOutput(['keys', 'list', '--redis', redis.url])).toBe('alice\nbob\ncarol\n');
    await cliOutput(['keys', 'revoke', 'carol', '--redis', redis.url]);
    for (const worker of workers) {
      await until(
        async () => (await statusOn(worker)) === 401,
        `worker ${worker.port} to refuse carol`,
        5000,
      );
    }
    // Requests without a key, or with one never issued, are refused by each.
    for (const worker of workers) {
      expect((await fetch(`${worker.url}/v1/models`)).status).toBe(401);
    }
  });
});

describe('file jobs shared through Redis by three workers', () => {
  it('answers a job submitted to one worker from every other, and removes its upload when it ends', async () => {
    const [a, b, c] = workers as [Worker, Worker, Worker];
    const job = await submitJob(a, speech);
    expect((await jobOn(b, job.id)).id).toBe(job.id);
    expect((await finished(c, job.id)).status).toBe('succeeded');
    const text = (await resultText(b, job.id)).toLowerCase();
    expect(text).toContain(FIRST_PHRASE.split(' ').slice(-2).join(' '));
    expect(text).toContain(SECOND_PHRASE.split(' ').slice(-2).join(' '));
    const listed = (await (await fetch(`${c.url}/v1/audio/jobs`, { headers: auth(alice) })).json()) as {
      data: JobView[];
    };
    expect(listed.data.map((j) => j.id)).toContain(job.id);
    await until(async () => uploadsLeft().length === 0, 'the upload to be removed', 5000);
  });

  it('refuses an unknown job on every worker with 404', async () => {
    for (const worker of workers) {
      const response = await fetch(`${worker.url}/v1/audio/jobs/job_nope`, { headers: auth(alice) });
      expect(response.status).toBe(404);
    }
  });

  it('cancels a running job from a worker that is not running it', async () => {
    const job = await submitJob(workers[0] as Worker, long);
    const pid = await runningOn(job.id);
    const other = workers.find((w) => w.pid !== pid) as Worker;
    const response = await fetch(`${other.url}/v1/audio/jobs/${job.id}`, {
      method: 'DELETE',
      headers: auth(alice),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as JobView).status).toBe('cancelled');
    // The running worker stopped: it removed the upload and takes the next job at once.
    await until(async () => uploadsLeft().length === 0, 'the cancelled job to stop', 10_000);
    const next = await submitJob(other, speech);
    expect((await finished(other, next.id, 60_000)).status).toBe('succeeded');
    expect((await jobOn(workers[2] as Worker, job.id)).status).toBe('cancelled');
  });

  it('finishes on another worker a job whose worker was killed, word for word as an undisturbed run', async () => {
    const reference = await submitJob(workers[1] as Worker, long);
    expect((await finished(workers[1] as Worker, reference.id, 240_000)).status).toBe('succeeded');
    expected = await resultText(workers[2] as Worker, reference.id);
    expect(expected.toLowerCase()).toContain(SECOND_PHRASE.split(' ').slice(-2).join(' '));

    const { job, pid, worker: victim } = await longJobUnderWay();
    const killedAt = Date.now();
    expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
    workers = workers.filter((w) => w !== victim);

    const survivor = workers[0] as Worker;
    const taken = await until(
      async () => {
        const [status, worker] = await inspect.hmget(`earshot:job:${job.id}`, 'status', 'worker');
        return status === 'running' && worker && !worker.endsWith(`:${pid}`) ? worker : undefined;
      },
      'another worker to take the job',
      40_000,
      100,
    );
    console.log(`job taken again by ${taken} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after kill -9`);
    expect((await finished(survivor, job.id, 240_000)).status).toBe('succeeded');
    expect(await resultText(workers[1] as Worker, job.id)).toBe(expected);
    await until(async () => uploadsLeft().length === 0, 'the upload to be removed', 5000);
  });

  it('hands the running job of a worker stopped with SIGTERM back to the queue after its drain, to finish elsewhere', async () => {
    const { job, pid, worker: stopped } = await longJobUnderWay();
    // --drain-seconds 2: too short for the job, which goes back to the queue.
    expect(await stopped.stop('SIGTERM', 30_000)).toBe(0);
    workers = workers.filter((w) => w !== stopped);
    const survivor = workers[0] as Worker;
    expect((await finished(survivor, job.id, 240_000)).status).toBe('succeeded');
    expect(await inspect.hget(`earshot:job:${job.id}`, 'worker')).not.toMatch(new RegExp(`:${pid}$`));
    expect(await resultText(survivor, job.id)).toBe(expected);
  });
});
