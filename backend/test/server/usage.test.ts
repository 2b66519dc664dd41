import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { ApiKeys } from '../../src/server/api-keys';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, decodeWhole, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST } from './helpers';

const KEYS = new ApiKeys([
  { name: 'alice', key: 'alice-key-0123456789abcdef' },
  { name: 'bob', key: 'bob-key-0123456789abcdef' },
]);
const auth = (name: 'alice' | 'bob') => ({
  host: OWN_HOST,
  authorization: `Bearer ${name}-key-0123456789abcdef`,
});

let recognizer: Recognizer;
let dir: string;
let pieces: Buffer[];
let webm: Buffer;
let recordingSeconds: number;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  dir = await mkdtemp(join(tmpdir(), 'earshot-usage-'));
  ({ webm } = await speechWebm('the dog ran to the park and the children walk near the river'));
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 9);
  recordingSeconds = (await decodeWhole(webm)).length / 16_000;
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});
afterAll(async () => {
  await recognizer.release();
  await rm(dir, { recursive: true, force: true });
});

const build = (file: string) =>
  buildApp({
    recognizer,
    apiKeys: KEYS,
    usage: { file },
    config: { port: INJECT_PORT },
  });

async function usageOf(target: FastifyInstance, name: 'alice' | 'bob') {
  const response = await target.inject({ method: 'GET', url: '/v1/usage', headers: auth(name) });
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function record(target: FastifyInstance, name: 'alice' | 'bob', recording: string) {
  for (const [seq, piece] of pieces.entries()) {
    const response = await target.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: auth(name),
      payload: chunkRequest(seq, piece, { recording_id: recording, final: seq === pieces.length - 1 }),
    });
    expect(response.statusCode, response.body).toBe(200);
  }
}

describe('usage per API key', () => {
  it("counts each key's requests, live audio seconds and errors, and /metrics shows them by key name", async () => {
    app = await build(join(dir, 'counts.json'));
    await record(app, 'alice', 'rec-a');
    const bad = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: auth('alice'),
      payload: { not: 'a chunk' },
    });
    expect(bad.statusCode).toBe(400);

    const alice = await usageOf(app, 'alice');
    expect(alice).toMatchObject({ object: 'usage', key: 'alice', requests: pieces.length + 1, errors: 1 });
    // Every second of the recording was decoded, and counted once.
    expect(alice.live_seconds).toBeGreaterThan(recordingSeconds - 0.1);
    expect(alice.live_seconds).toBeLessThan(recordingSeconds + 0.1);
    expect(alice.audio_seconds).toBe(alice.live_seconds);
    // Bob sees only his own usage: the request that asks for it.
    expect(await usageOf(app, 'bob')).toMatchObject({ key: 'bob', requests: 0, live_seconds: 0, errors: 0 });

    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: auth('bob') });
    expect(metrics.body).toMatch(
      new RegExp(`^earshot_key_requests_total\\{key="alice"\\} ${pieces.length + 2}$`, 'm'),
    );
    expect(metrics.body).toMatch(/^earshot_key_errors_total\{key="alice"\} 1$/m);
    expect(metrics.body).toMatch(/^earshot_key_live_seconds_total\{key="alice"\} \d/m);
    expect(metrics.body).toMatch(/^earshot_key_requests_total\{key="bob"\} 1$/m);
  });

  it("counts a file transcribed through the official client as the caller's recognized audio, not live", async () => {
    app = await build(join(dir, 'files.json'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const client = new OpenAI({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: 'alice-key-0123456789abcdef',
      maxRetries: 0,
    });
    await client.audio.transcriptions.create({
      file: await toFile(webm, 'speech.webm'),
      model: 'tiny-en',
    });
    const answer = await fetch(`http://127.0.0.1:${port}/v1/usage`, {
      headers: { authorization: 'Bearer alice-key-0123456789abcdef' },
    });
    const usage = (await answer.json()) as { requests: number; audio_seconds: number; live_seconds: number };
    expect(usage.requests).toBe(1);
    expect(usage.audio_seconds).toBeGreaterThan(recordingSeconds - 0.1);
    expect(usage.audio_seconds).toBeLessThan(recordingSeconds + 0.1);
    expect(usage.live_seconds).toBe(0);
  });

  it('keeps the totals across a restart on the same file, written whole', async () => {
    const file = join(dir, 'restart.json');
    app = await build(file);
    await record(app, 'bob', 'rec-b');
    const before = await usageOf(app, 'bob');
    await app.close();
    app = undefined;

    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved.keys.bob.requests).toBe(before.requests + 1);

    app = await build(file);
    const after = await usageOf(app, 'bob');
    expect(after.requests).toBe(before.requests + 1);
    expect(after.live_seconds).toBe(before.live_seconds);
    expect(after.since).toBe(before.since);
  });

  it('refuses to start on a file that is not a usage file rather than overwrite it', async () => {
    const file = join(dir, 'foreign.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{"something": "else"}'));
    await expect(build(file)).rejects.toThrow(/foreign\.json is not an Earshot usage file/);
    expect(await readFile(file, 'utf8')).toBe('{"something": "else"}');
  });
});
