import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AsrStreamRequest, AsrStreamResponseSchema, type Segment } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import {
  cutAtArbitraryOffsets,
  decodeWhole,
  ONE_SECOND_OF_WEBM,
  type SpeechRecording,
  speechWebm,
} from '../sessions/webm-fixture';
import {
  loadTinyEn,
  MAX_STREAMING_WER,
  modelDeafNote,
  offlineWordErrorRate,
  streamChunks,
  wordErrorRate,
} from './helpers';

const FIRST = 'the dog ran to the park to play with a red ball and the children walk near the river at night';
const SECOND = 'my mother found a small green tree near the house and water for the plant';
const EXTENSION = 'chrome-extension://abc';

let recognizer: Recognizer;
let app: FastifyInstance;
let base: string;
let first: SpeechRecording;
let second: SpeechRecording;
let offlineWer: number;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({ recognizer });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  [first, second] = await Promise.all([speechWebm(FIRST), speechWebm(SECOND)]);
  offlineWer = Math.max(
    await offlineWordErrorRate(recognizer, await decodeWhole(first.webm), FIRST),
    await offlineWordErrorRate(recognizer, await decodeWhole(second.webm), SECOND),
  );
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

/** What the extension does: a JSON POST from its origin to the loopback address. */
async function postFromExtension(body: AsrStreamRequest) {
  const response = await fetch(`${base}/asr/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: EXTENSION },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.get('access-control-allow-origin')).toBe(EXTENSION);
  return AsrStreamResponseSchema.parse(await response.json());
}

function expectWellFormed(finals: readonly Segment[], audioSeconds: number) {
  let previousEnd = 0;
  for (const segment of finals) {
    expect(segment.final).toBe(true);
    expect(segment.words.length).toBeGreaterThan(0);
    for (const word of segment.words) {
      expect(word.start_seconds).toBeGreaterThanOrEqual(previousEnd - 0.1);
      expect(word.end_seconds).toBeGreaterThanOrEqual(word.start_seconds);
      expect(word.end_seconds).toBeLessThanOrEqual(audioSeconds + 0.3);
      expect(word.confidence).toBeGreaterThan(0);
      previousEnd = word.end_seconds;
    }
  }
}

async function openSessions() {
  const response = await fetch(`${base}/health`);
  return ((await response.json()) as { sessions: number }).sessions;
}

describe('streaming real speech over HTTP', () => {
  it('answers an extension streaming a recording cut at arbitrary byte offsets', async () => {
    const pieces = cutAtArbitraryOffsets(first.webm, ONE_SECOND_OF_WEBM, 21);
    expect(pieces.length).toBeGreaterThanOrEqual(5);
    const transcript = await streamChunks(postFromExtension, pieces, { recording_id: 'live-0', tab_id: 3 });
    expect(new Set(transcript.finals.map((s) => s.id)).size).toBe(transcript.finals.length);
    expectWellFormed(transcript.finals, first.seconds);
    expect(await openSessions()).toBe(0);
  });

  it(`turns the recording into final captions of the spoken words, timed inside the audio`, async () => {
    expect(offlineWer, modelDeafNote(offlineWer)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    const pieces = cutAtArbitraryOffsets(first.webm, ONE_SECOND_OF_WEBM, 21);
    const transcript = await streamChunks(postFromExtension, pieces, { recording_id: 'live-1', tab_id: 3 });
    expect(wordErrorRate(FIRST, transcript.text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expectWellFormed(transcript.finals, first.seconds);
    // Captions appear while the recording is still going, not only when it ends.
    expect(transcript.interims.length + transcript.finals.length).toBeGreaterThan(1);
  });

  const streamTwoTabs = () =>
    Promise.all([
      streamChunks(postFromExtension, cutAtArbitraryOffsets(first.webm, ONE_SECOND_OF_WEBM, 2), {
        recording_id: 'tab-a',
        tab_id: 10,
      }),
      streamChunks(postFromExtension, cutAtArbitraryOffsets(second.webm, ONE_SECOND_OF_WEBM, 3), {
        recording_id: 'tab-b',
        tab_id: 11,
      }),
    ]);

  it('serves two tabs streaming at the same time', async () => {
    const [a, b] = await streamTwoTabs();
    expectWellFormed(a.finals, first.seconds);
    expectWellFormed(b.finals, second.seconds);
    expect(a.finals.every((s) => s.id.startsWith('tab-a-'))).toBe(true);
    expect(b.finals.every((s) => s.id.startsWith('tab-b-'))).toBe(true);
    expect(await openSessions()).toBe(0);
  });

  it(`gives each of two tabs streamed at the same time its own words`, async () => {
    expect(offlineWer, modelDeafNote(offlineWer)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    const [a, b] = await streamTwoTabs();
    expect(wordErrorRate(FIRST, a.text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(wordErrorRate(SECOND, b.text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(a.text).not.toMatch(/\bmother\b/);
    expect(b.text).not.toMatch(/\bchildren\b/);
  });

  it('refuses a request whose Host is a rebinding domain, over a real connection', async () => {
    const { port } = app.server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/health',
        headers: { host: `evil.example:${port}` },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('gives a web page origin no CORS access, over a real connection', async () => {
    const response = await fetch(`${base}/health`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
