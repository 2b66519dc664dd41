import { randomBytes } from 'node:crypto';
import { type AsrStreamRequest, AsrStreamResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST } from './helpers';

const SPOKEN = 'the children walk near the river at night and the dog ran to the park';

let recognizer: Recognizer;
let app: FastifyInstance;
let pieces: Buffer[];
let seconds: number;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({ recognizer, config: { port: INJECT_PORT } });
  const speech = await speechWebm(SPOKEN);
  seconds = speech.seconds;
  pieces = cutAtArbitraryOffsets(speech.webm, ONE_SECOND_OF_WEBM, 4);
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

async function post(request: AsrStreamRequest) {
  return app.inject({ method: 'POST', url: '/asr/stream', headers: { host: OWN_HOST }, payload: request });
}

async function scrape() {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: { host: OWN_HOST } });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const values = new Map<string, number>();
  for (const line of response.body.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match?.[1] && match[2]) values.set(match[1], Number(match[2]));
  }
  return (name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`no metric ${name} in:\n${response.body}`);
    return value;
  };
}

describe('GET /metrics', () => {
  it('reports sessions, stages, batches, audio and failures after some traffic', async () => {
    const idle = await scrape();
    expect(idle('earshot_sessions')).toBe(0);

    await post(chunkRequest(0, pieces[0] as Buffer, { recording_id: 'watched' }));
    expect((await scrape())('earshot_sessions')).toBe(1);
    for (let seq = 1; seq < pieces.length; seq++) {
      const final = seq === pieces.length - 1;
      const response = await post(
        chunkRequest(seq, pieces[seq] as Buffer, { recording_id: 'watched', final }),
      );
      expect(response.statusCode).toBe(200);
      AsrStreamResponseSchema.parse(response.json());
    }
    let garbagePosts = 0;
    for (let seq = 0, status = 200; status === 200 && seq < 3; seq++) {
      const bytes = randomBytes(ONE_SECOND_OF_WEBM);
      status = (await post(chunkRequest(seq, bytes, { recording_id: 'garbage', final: seq === 2 })))
        .statusCode;
      garbagePosts++;
      if (status !== 200) expect(status).toBe(422);
    }

    const metric = await scrape();
    expect(metric('earshot_sessions')).toBe(0);
    expect(metric('earshot_ready')).toBe(1);
    expect(metric('earshot_inference_queue_depth')).toBe(0);
    // Every chunk in order went through the decoder stage and got a whole-request time.
    const posts = pieces.length + garbagePosts;
    expect(metric('earshot_chunk_decode_seconds_count')).toBe(posts);
    expect(metric('earshot_request_duration_seconds_count{route="/asr/stream"}')).toBe(posts);

    // The warm-up plus at least one recognition per second of speech, each batch timed.
    const batches = metric('earshot_inference_batch_size_count');
    expect(batches).toBeGreaterThanOrEqual(1 + Math.floor(seconds / 2));
    expect(metric('earshot_inference_seconds_count')).toBe(batches);
    expect(metric('earshot_inference_real_time_factor_count')).toBe(batches);
    expect(metric('earshot_inference_queue_wait_seconds_count')).toBe(
      metric('earshot_inference_batch_size_sum'),
    );
    expect(metric('earshot_audio_seconds_processed_total')).toBeGreaterThan(1 + seconds / 2);

    expect(metric('earshot_decoder_failures_total{stage="audio"}')).toBe(1);
    expect(metric('earshot_decoder_failures_total{stage="recognizer"}')).toBe(0);
    expect(metric('earshot_interims_dropped_total')).toBe(0);
    expect(metric('earshot_responses_behind_total')).toBe(0);
    expect(metric('process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
