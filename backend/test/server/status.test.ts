import { performance } from 'node:perf_hooks';
import { type StatusResponse, StatusResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST, postChunkOk } from './helpers';

const SPOKEN =
  'the dog ran to the park to play with a red ball and the children walk near the river at night and my mother found a small green tree near the house';

let tinyEn: Recognizer;
let recognizer: ObservedRecognizer;
let app: FastifyInstance;
let pieces: Buffer[];

beforeAll(async () => {
  tinyEn = await loadTinyEn();
  recognizer = new ObservedRecognizer(tinyEn);
  app = await buildApp({
    recognizer,
    config: { port: INJECT_PORT, maxSessions: 5, idleTimeoutMs: 30_000 },
  });
  const speech = await speechWebm(SPOKEN);
  pieces = cutAtArbitraryOffsets(speech.webm, ONE_SECOND_OF_WEBM / 4, 3);
  await untilReady();
});
afterAll(async () => {
  await app.close();
  await tinyEn.release();
});

async function untilReady(): Promise<void> {
  for (;;) {
    const ready = await app.inject({ method: 'GET', url: '/ready', headers: { host: OWN_HOST } });
    if (ready.statusCode === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function status(): Promise<StatusResponse> {
  const response = await app.inject({ method: 'GET', url: '/status', headers: { host: OWN_HOST } });
  expect(response.statusCode, response.body).toBe(200);
  return StatusResponseSchema.parse(response.json());
}

async function gauge(line: string): Promise<number> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: { host: OWN_HOST } });
  const match = new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(response.body);
  if (!match) throw new Error(`no ${line} in /metrics:\n${response.body}`);
  return Number(match[1]);
}

/** Posts the chunks a quarter second apart, as the recorder makes them, one request at a time. */
async function streamInRealTime(recordingId: string, chunks: readonly Buffer[], final: boolean) {
  const start = performance.now();
  for (const [seq, piece] of chunks.entries()) {
    const wait = start + seq * 250 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const last = final && seq === chunks.length - 1;
    await postChunkOk(app, chunkRequest(seq, piece, { recording_id: recordingId, final: last }));
  }
}

describe('GET /status', () => {
  it('describes the loaded model, its idle queue, no sessions and the configuration in effect', async () => {
    const idle = await status();
    expect(idle.models).toHaveLength(1);
    const [model] = idle.models;
    expect(model).toMatchObject({ id: 'tiny-en', default: true, device: 'cpu', ready: true });
    expect(model?.providers).toEqual([...tinyEn.providers]);
    expect(model?.queue.waiting).toEqual({ final: 0, interim: 0, batch: 0 });
    expect(model?.queue.decoding).toBe(false);
    // The warm-up decode is the first batch the queue measured.
    expect(model?.queue.last_minute.batches).toBeGreaterThanOrEqual(1);
    expect(model?.queue.seconds_per_audio_second).toBeGreaterThan(0);
    expect(idle.backpressure).toBe('normal');
    expect(idle.sessions).toEqual({ total: 0, by_transport: { http: 0, websocket: 0 }, by_language: [] });
    expect(idle.config).toMatchObject({
      port: INJECT_PORT,
      max_sessions: 5,
      idle_timeout_ms: 30_000,
      every_n_chunks: 1,
      allowed_origins: null,
      tls: false,
      trusted_proxies: null,
      voice_activity_detection: false,
    });
  });

  it('counts an open recording by transport and the batches it caused over the last minute', async () => {
    const before = (await status()).models[0]?.queue.last_minute;
    await streamInRealTime('watched', pieces.slice(0, 8), false);

    const open = await status();
    expect(open.sessions).toEqual({
      total: 1,
      by_transport: { http: 1, websocket: 0 },
      // A recording that chose no language: the model's detection or default.
      by_language: [{ language: null, target_language: null, dual: false, sessions: 1 }],
    });
    const minute = open.models[0]?.queue.last_minute;
    expect(minute?.batches).toBeGreaterThan(before?.batches ?? 0);
    expect(minute?.windows).toBeGreaterThanOrEqual(minute?.batches ?? Number.NaN);
    expect(minute?.audio_seconds).toBeGreaterThan(before?.audio_seconds ?? 0);
    expect(minute?.real_time_factor).toBeGreaterThan(0);
    expect(minute?.mean_batch_size).toBeGreaterThanOrEqual(1);
    expect(await gauge('earshot_sessions_by_transport{transport="http"}')).toBe(1);
    expect(await gauge('earshot_inference_queue_waiting{model="tiny-en",kind="final"}')).toBe(0);
    expect(await gauge('earshot_inference_batch_size_last_minute{model="tiny-en"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(await gauge('earshot_inference_real_time_factor_last_minute{model="tiny-en"}')).toBeGreaterThan(0);

    const last = pieces.length - 1;
    await postChunkOk(
      app,
      chunkRequest(8, Buffer.concat(pieces.slice(8, last + 1)), {
        recording_id: 'watched',
        final: true,
      }),
    );
    expect((await status()).sessions.by_transport.http).toBe(0);
  });

  it('reports cutting windows while a recording gives up audio because the engine is slower than it', async () => {
    // A loaded machine may have shed an interim just before; no window has been cut yet.
    expect((await status()).backpressure).not.toBe('cutting_windows');
    expect(await gauge('earshot_backpressure_level')).toBeLessThan(2);
    // Two seconds of engine per second of audio: the recording must shed audio to keep its lag bounded.
    recognizer.secondsPerAudioSecond = 2;
    // The level says how things are now, so it is watched while the recording streams.
    const levels = new Set<string>();
    const gauges = new Set<number>();
    let streaming = true;
    const watching = (async () => {
      while (streaming) {
        levels.add((await status()).backpressure);
        gauges.add(await gauge('earshot_backpressure_level'));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      await streamInRealTime('overloaded', pieces, true);
    } finally {
      streaming = false;
      recognizer.secondsPerAudioSecond = 0;
      await watching;
    }
    expect(levels).toContain('cutting_windows');
    expect(gauges).toContain(2);
  });
});
