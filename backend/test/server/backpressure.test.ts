import { performance } from 'node:perf_hooks';
import type { AsrStreamRequest, AsrStreamResponse } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST, postChunkOk } from './helpers';

const SPOKEN =
  'the dog ran to the park to play with a red ball and the children walk near the river at night';
const LATER =
  'my mother found a small green tree near the house and water for the plant and we like to read a good book by the window when the rain falls';
/** The recorder's timeslice: a quarter second of audio per chunk, in real time. */
const CHUNK_INTERVAL_MS = 250;
/** Every recognizer call takes this much longer than the model needs: three chunks' worth. */
const ENGINE_DELAY_MS = 750;

let tinyEn: Recognizer;
let recognizer: ObservedRecognizer;
let app: FastifyInstance;
let pieces: Buffer[];
let longPieces: Buffer[];
let longSeconds: number;

beforeAll(async () => {
  tinyEn = await loadTinyEn();
  recognizer = new ObservedRecognizer(tinyEn);
  app = await buildApp({ recognizer, config: { port: INJECT_PORT } });
  const [short, long] = await Promise.all([speechWebm(SPOKEN), speechWebm(`${SPOKEN} ${LATER}`)]);
  pieces = cutAtArbitraryOffsets(short.webm, ONE_SECOND_OF_WEBM / 4, 9);
  longPieces = cutAtArbitraryOffsets(long.webm, ONE_SECOND_OF_WEBM / 4, 5);
  longSeconds = long.seconds;
});
afterAll(async () => {
  await app.close();
  await tinyEn.release();
});

const post = (request: AsrStreamRequest) => postChunkOk(app, request);

interface Sent {
  /** How late the chunk was posted against the recorder's schedule, in ms. */
  lateMs: number;
  response: AsrStreamResponse;
}

/**
 * What the extension's uploader does: one request at a time, in order, each chunk posted as soon as the
 * recorder has produced it and the previous response is in.
 */
async function streamLikeTheExtension(recordingId: string, chunks = pieces): Promise<Sent[]> {
  const start = performance.now();
  const sent: Sent[] = [];
  for (const [seq, piece] of chunks.entries()) {
    const due = start + seq * CHUNK_INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const lateMs = performance.now() - due;
    const final = seq === chunks.length - 1;
    sent.push({
      lateMs,
      response: await post(chunkRequest(seq, piece, { recording_id: recordingId, final })),
    });
  }
  return sent;
}

describe('a recording streamed faster than the engine can recognize it', () => {
  it('is answered at once with `behind` while its recognition is busy, and its lag stays bounded', async () => {
    expect(pieces.length).toBeGreaterThanOrEqual(14);
    recognizer.delayPerDecodeMs = ENGINE_DELAY_MS;
    const sent = await streamLikeTheExtension('slow-engine');

    // An uploader waiting for a recognition per chunk would fall half a second further behind the
    // recorder with every chunk; here every chunk is answered before the next one is due.
    const latest = Math.max(...sent.map((s) => s.lateMs));
    expect(latest).toBeLessThan(1_000);

    const behind = sent.filter((s) => s.response.behind);
    expect(behind.length).toBeGreaterThanOrEqual(pieces.length / 3);
    // Audio received but not recognized: what arrives during one recognition, not the whole backlog.
    const lags = sent.map((s) => s.response.lag_seconds ?? Number.NaN);
    expect(Math.max(...lags)).toBeLessThan(4);

    // The last chunk waits for its final recognition; finals recognized while earlier chunks were
    // answered early arrive with later answers, each exactly once and in order.
    const last = sent.at(-1)?.response;
    expect(last?.behind).toBe(false);
    expect(last?.lag_seconds).toBe(0);
    expect(last?.segments.every((s) => s.final)).toBe(true);
    const finals = sent.flatMap((s) => s.response.segments.filter((segment) => segment.final));
    expect(new Set(finals.map((f) => f.id)).size).toBe(finals.length);
    finals.slice(1).forEach((segment, i) => {
      expect(segment.start_seconds).toBeGreaterThanOrEqual((finals[i]?.end_seconds ?? 0) - 0.1);
    });

    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { host: OWN_HOST } });
    expect(metrics.body).toContain(`earshot_responses_behind_total ${behind.length}`);
  });

  it('answers with `behind` false and little lag when the engine keeps up', async () => {
    recognizer.delayPerDecodeMs = 0;
    const sent = await streamLikeTheExtension('fast-engine');
    const behind = sent.filter((s) => s.response.behind).length;
    expect(behind).toBeLessThanOrEqual(pieces.length / 4);
    expect(Math.max(...sent.map((s) => s.response.lag_seconds ?? Number.NaN))).toBeLessThan(1);
  });

  it('gives up its oldest audio when the engine is slower than the audio, so lag stays bounded and captions live', async () => {
    // Two seconds of engine per second of audio: without shedding, every window would be twice as
    // long as the one before and the lag would grow to the whole recording.
    recognizer.delayPerDecodeMs = 0;
    recognizer.secondsPerAudioSecond = 2;
    try {
      expect(longSeconds).toBeGreaterThan(12);
      const sent = await streamLikeTheExtension('engine-slower-than-audio', longPieces);
      const lags = sent.slice(0, -1).map((s) => s.response.lag_seconds ?? Number.NaN);
      const secondHalf = lags.slice(Math.floor(lags.length / 2));
      expect(Math.max(...lags)).toBeLessThan(7);
      expect(Math.max(...secondHalf)).toBeLessThan(7);

      const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { host: OWN_HOST } });
      const skipped = Number(/^earshot_audio_skipped_seconds_total (\S+)$/m.exec(metrics.body)?.[1]);
      expect(skipped).toBeGreaterThan(3);
      expect(skipped).toBeLessThan(longSeconds);
      // Recognition kept working on the newest audio instead of falling ever further behind it.
      const windows = recognizer.windowSeconds.slice(-10);
      expect(Math.max(...windows.slice(0, -1))).toBeLessThan(4);
    } finally {
      recognizer.secondsPerAudioSecond = 0;
    }
  });
});
