import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroVad } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { twoPhraseRecall, writeLoopedSpeech, writeTwoPhraseSpeech } from '../two-phrase-speech';
import { loadTinyEn } from './helpers';

const MAX_UPLOAD = 16 * 1024 * 1024;

interface JobView {
  id: string;
  object: string;
  status: string;
  model: string;
  progress: number;
  audio_seconds_done: number;
  audio_seconds_total: number | null;
  eta_seconds: number | null;
  expires_at: number | null;
  error: { code: string; message: string } | null;
}

const systemTmp = tmpdir();
let dir: string;
let wav: string;
let long: string;
let recognizer: Recognizer;
let vad: SileroVad;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-audio-jobs-'));
  wav = writeTwoPhraseSpeech(dir);
  // Five minutes of the two phrases over and over: long enough to be caught running.
  long = writeLoopedSpeech(wav, 60);
  writeFileSync(join(dir, 'huge.wav'), Buffer.alloc(MAX_UPLOAD + 1024, 1));
  // Uploads go to the temporary directory; this test process's own, so only its uploads are seen.
  process.env.TMPDIR = mkdtempSync(join(dir, 'tmp-'));
  [recognizer, vad] = await Promise.all([loadTinyEn(), SileroVad.load()]);
  app = await buildApp({
    recognizer,
    config: { host: '127.0.0.1', maxUploadBytes: MAX_UPLOAD, maxPendingJobs: 2, keepJobSeconds: 2 },
    createVadStream: () => vad.createStream(),
  });
  url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1/audio/jobs`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await Promise.all([recognizer?.release(), vad?.release()]);
  rmSync(dir, { recursive: true, force: true });
  process.env.TMPDIR = systemTmp;
});

async function submit(path: string, fields: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), path.split('/').at(-1));
  form.append('model', 'whisper-1');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(url, { method: 'POST', body: form });
}

async function submitted(path: string, fields: Record<string, string> = {}): Promise<JobView> {
  const response = await submit(path, fields);
  expect(response.status, await response.clone().text()).toBe(202);
  return (await response.json()) as JobView;
}

const status = async (id: string) => (await (await fetch(`${url}/${id}`)).json()) as JobView;

async function until(id: string, done: (job: JobView) => boolean, timeoutMs = 60_000): Promise<JobView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = await status(id);
    if (done(job)) return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.status} at ${job.progress}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const uploads = () => readdirSync(tmpdir()).filter((name) => name.startsWith('earshot-upload-'));

describe('/v1/audio/jobs over real HTTP', () => {
  it('answers a job id at once, reports progress to done, and gives the result in any format', async () => {
    // Parakeet accepts the prompt and ignores it.
    const job = await submitted(wav, { response_format: 'text', prompt: 'two short phrases' });
    expect(job).toMatchObject({ object: 'audio.job', model: 'tiny-en', error: null });
    expect(['queued', 'running']).toContain(job.status);

    const done = await until(job.id, (j) => j.status === 'succeeded');
    expect(done).toMatchObject({ progress: 1, eta_seconds: null });
    expect(done.audio_seconds_total).toBeGreaterThan(4);
    expect(done.audio_seconds_done).toBe(done.audio_seconds_total);
    expect(done.expires_at).toBeGreaterThan(0);

    const text = await fetch(`${url}/${job.id}/result`);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(twoPhraseRecall(await text.text())).toBeGreaterThanOrEqual(0.6);

    const srt = await (await fetch(`${url}/${job.id}/result?response_format=srt`)).text();
    expect(srt.trim().split(/\n\n/)).toHaveLength(2);
    const verbose = (await (
      await fetch(`${url}/${job.id}/result?response_format=verbose_json&timestamp_granularities[]=word`)
    ).json()) as { words: unknown[]; segments?: unknown[] };
    expect(verbose.words.length).toBeGreaterThan(8);
    expect(verbose.segments).toBeUndefined();

    const list = (await (await fetch(url)).json()) as { object: string; data: JobView[] };
    expect(list.object).toBe('list');
    expect(list.data.map((j) => j.id)).toContain(job.id);
  });

  it('cancels a running job: its compute stops, its upload is deleted, it has no result', async () => {
    const job = await submitted(long);
    expect(uploads()).toHaveLength(1);
    const running = await until(job.id, (j) => j.status === 'running' && j.audio_seconds_done > 0);
    expect(running.eta_seconds).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(1);

    const cancel = await fetch(`${url}/${job.id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as JobView).status).toBe('cancelled');
    // Within a second the window being decoded has finished and no other is started.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopped = await status(job.id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await status(job.id)).audio_seconds_done).toBe(stopped.audio_seconds_done);
    expect(stopped.audio_seconds_done).toBeLessThan(stopped.audio_seconds_total ?? 0);
    expect(uploads()).toEqual([]);

    const result = await fetch(`${url}/${job.id}/result`);
    expect(result.status).toBe(409);
    expect(((await result.json()) as { error: { code: string } }).error.code).toBe('job_cancelled');
  });

  it('refuses more jobs than the limit with 429, and cancels a queued job at once', async () => {
    const first = await submitted(long);
    const second = await submitted(long);
    const third = await submit(wav);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'too_many_jobs',
    });
    expect((await status(second.id)).status).toBe('queued');
    const cancelled = (await (await fetch(`${url}/${second.id}`, { method: 'DELETE' })).json()) as JobView;
    expect(cancelled.status).toBe('cancelled');
    await fetch(`${url}/${first.id}`, { method: 'DELETE' });
    expect((await submitted(wav)).status).toMatch(/queued|running/);
  });

  it('refuses a prompt over 4096 characters with 400 naming it', async () => {
    const long = await submit(wav, { prompt: 'x'.repeat(4097) });
    expect(long.status).toBe(400);
    expect(((await long.json()) as { error: { param: string } }).error.param).toBe('prompt');
  });

  it('refuses a file over the upload limit with 413 and an unknown job with 404', async () => {
    const huge = await submit(join(dir, 'huge.wav'));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('file_too_large');
    const unknown = await fetch(`${url}/job_nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('job_not_found');
  });

  it('removes a finished job once its keeping time is over', async () => {
    const job = await submitted(wav);
    await until(job.id, (j) => j.status === 'succeeded');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await fetch(`${url}/${job.id}`)).status).toBe(404);
  });
});
