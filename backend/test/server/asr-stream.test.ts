import { randomBytes } from 'node:crypto';
import { type AsrStreamRequest, AsrStreamResponseSchema, ErrorResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST, streamChunks, wordErrorRate } from './helpers';

const SPOKEN =
  'the dog ran to the park to play with a red ball and the children walk near the river at night';

let recognizer: Recognizer;
let app: FastifyInstance;
let pieces: Buffer[];

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({ recognizer, config: { port: INJECT_PORT, idleTimeoutMs: 1_000 } });
  const { webm } = await speechWebm(SPOKEN);
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 5);
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

function post(request: AsrStreamRequest) {
  return app.inject({ method: 'POST', url: '/asr/stream', headers: { host: OWN_HOST }, payload: request });
}

async function postOk(request: AsrStreamRequest) {
  const response = await post(request);
  expect(response.statusCode, response.body).toBe(200);
  return AsrStreamResponseSchema.parse(response.json());
}

async function health() {
  const response = await app.inject({ method: 'GET', url: '/health', headers: { host: OWN_HOST } });
  return response.json() as { sessions: number };
}

const errorOf = (response: { json(): unknown }) => ErrorResponseSchema.parse(response.json()).error;

describe('POST /asr/stream', () => {
  it('transcribes a recording streamed chunk by chunk', async () => {
    const transcript = await streamChunks(postOk, pieces, { recording_id: 'in-order' });
    expect(wordErrorRate(SPOKEN, transcript.text)).toBeLessThanOrEqual(0.25);
    expect((await health()).sessions).toBe(0);
  });

  it('asks the client to restart a recording it has never seen (409)', async () => {
    const response = await post(
      chunkRequest(4, pieces[4] as Buffer, { recording_id: 'from-before-a-restart' }),
    );
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).code).toBe('recording_restart_required');
    expect((await health()).sessions).toBe(0);
  });

  it('acknowledges a duplicate chunk without doubling its words', async () => {
    const extra = { recording_id: 'duplicates' };
    const withRepeats = (request: AsrStreamRequest) =>
      postOk(request).then(async (first) => {
        if (!request.final) expect((await postOk(request)).segments.filter((s) => s.final)).toEqual([]);
        return first;
      });
    const transcript = await streamChunks(withRepeats, pieces, extra);
    expect(wordErrorRate(SPOKEN, transcript.text)).toBeLessThanOrEqual(0.25);
  });

  it('puts chunks that arrive out of order back in sequence', async () => {
    const extra = { recording_id: 'shuffled', tab_id: 8 };
    const order = [0, 2, 1, ...pieces.slice(3).map((_p, i) => i + 3)];
    // The last chunk (final) is posted before the one before it, and must wait for it.
    const last = order.length - 1;
    [order[last], order[last - 1]] = [order[last - 1] as number, order[last] as number];
    const finals = [];
    for (const seq of order) {
      const response = await postOk(
        chunkRequest(seq, pieces[seq] as Buffer, { ...extra, final: seq === pieces.length - 1 }),
      );
      finals.push(...response.segments.filter((s) => s.final));
    }
    expect(wordErrorRate(SPOKEN, finals.map((s) => s.text).join(' '))).toBeLessThanOrEqual(0.25);
    expect((await health()).sessions).toBe(0);
  });

  it('refuses garbage audio with 422 for that session only', async () => {
    const good = streamChunks(postOk, pieces, { recording_id: 'good', tab_id: 1 });
    const garbage = (async () => {
      for (let seq = 0; seq < 3; seq++) {
        const response = await post(
          chunkRequest(seq, randomBytes(ONE_SECOND_OF_WEBM), {
            recording_id: 'garbage',
            tab_id: 2,
            final: seq === 2,
          }),
        );
        if (response.statusCode !== 200) return response;
      }
      throw new Error('garbage audio was accepted to the end');
    })();
    const [refused, transcript] = await Promise.all([garbage, good]);
    expect(refused.statusCode).toBe(422);
    expect(errorOf(refused).code).toBe('undecodable_audio');
    expect(wordErrorRate(SPOKEN, transcript.text)).toBeLessThanOrEqual(0.25);
    expect((await health()).sessions).toBe(0);
  });

  it('refuses a recording in a container it cannot decode with 415', async () => {
    const response = await post(
      chunkRequest(0, pieces[0] as Buffer, { recording_id: 'mp4', mime_type: 'audio/mp4' }),
    );
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).code).toBe('unsupported_media_type');
    expect(errorOf(response).message).toContain('audio/mp4');
  });

  it('closes a session that went idle; its next chunk must restart the recording', async () => {
    await postOk(chunkRequest(0, pieces[0] as Buffer, { recording_id: 'idle' }));
    expect((await health()).sessions).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await health()).sessions).toBe(0);
    const response = await post(chunkRequest(1, pieces[1] as Buffer, { recording_id: 'idle' }));
    expect(response.statusCode).toBe(409);
  });
});
