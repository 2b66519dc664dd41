import { randomBytes } from 'node:crypto';
import { type AsrStreamRequest, ErrorResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, decodeWhole, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import {
  chunkRequest,
  INJECT_PORT,
  loadTinyEn,
  MAX_STREAMING_WER,
  modelDeafNote,
  OWN_HOST,
  offlineWordErrorRate,
  openSessions,
  postChunkOk,
  streamChunks,
  wordErrorRate,
} from './helpers';

const SPOKEN =
  'the dog ran to the park to play with a red ball and the children walk near the river at night';

let recognizer: Recognizer;
let app: FastifyInstance;
let pieces: Buffer[];
let offlineWer: number;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({ recognizer, config: { port: INJECT_PORT, idleTimeoutMs: 1_000 } });
  const { webm } = await speechWebm(SPOKEN);
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 5);
  offlineWer = await offlineWordErrorRate(recognizer, await decodeWhole(webm), SPOKEN);
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

function post(request: AsrStreamRequest) {
  return app.inject({ method: 'POST', url: '/asr/stream', headers: { host: OWN_HOST }, payload: request });
}

const postOk = (request: AsrStreamRequest) => postChunkOk(app, request);

const errorOf = (response: { json(): unknown }) => ErrorResponseSchema.parse(response.json()).error;

/** Posts a recording with the chunks in the given order and returns the text of its final segments. */
async function postInOrder(order: readonly number[], extra: Partial<AsrStreamRequest>) {
  const finals = [];
  for (const seq of order) {
    const response = await postOk(
      chunkRequest(seq, pieces[seq] as Buffer, { ...extra, final: seq === pieces.length - 1 }),
    );
    finals.push(...response.segments.filter((s) => s.final));
  }
  return finals.map((s) => s.text).join(' ');
}

/** 0, 2, 1, 3, …, last, second-to-last: a swap at the start and the final chunk arriving early. */
function shuffledOrder(): number[] {
  const order = pieces.map((_p, i) => i);
  [order[1], order[2]] = [order[2] as number, order[1] as number];
  const last = order.length - 1;
  [order[last], order[last - 1]] = [order[last - 1] as number, order[last] as number];
  return order;
}

/**
 * How far two streamed transcripts of the same audio may differ. When recognitions run depends on
 * timing (answer deadlines, when ffmpeg's output arrives), so a model that is unsure of a word can
 * hear it differently at another window edge; a lost, doubled or foreign chunk changes far more.
 */
const SAME_AUDIO_WER = 0.25;

describe('POST /asr/stream', () => {
  it('answers every chunk of a recording and closes its session at the final chunk', async () => {
    expect(pieces.length).toBeGreaterThanOrEqual(5);
    const transcript = await streamChunks(postOk, pieces, { recording_id: 'in-order' });
    expect(new Set(transcript.finals.map((s) => s.id)).size).toBe(transcript.finals.length);
    expect(transcript.interims.every((s) => s.id === 'in-order-interim')).toBe(true);
    expect(await openSessions(app)).toBe(0);
  });

  it(`transcribes the spoken words of a recording streamed chunk by chunk`, async () => {
    expect(offlineWer, modelDeafNote(offlineWer)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    const transcript = await streamChunks(postOk, pieces, { recording_id: 'accuracy' });
    expect(wordErrorRate(SPOKEN, transcript.text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  });

  it('asks the client to restart a recording it has never seen (409)', async () => {
    const response = await post(
      chunkRequest(3, pieces[3] as Buffer, { recording_id: 'from-before-a-restart' }),
    );
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).code).toBe('recording_restart_required');
    expect(await openSessions(app)).toBe(0);
  });

  it('acknowledges a duplicate chunk and gives the same captions as without it', async () => {
    const plain = await postInOrder(
      pieces.map((_p, i) => i),
      { recording_id: 'reference' },
    );
    const repeated = pieces.flatMap((_p, i) => (i < pieces.length - 1 ? [i, i] : [i]));
    // A duplicate decoded again would double every word; window edges may still differ a little,
    // since recognitions start as answers and the decoder's output happen to fall in time.
    expect(
      wordErrorRate(plain, await postInOrder(repeated, { recording_id: 'duplicates' })),
    ).toBeLessThanOrEqual(SAME_AUDIO_WER);
    expect(await openSessions(app)).toBe(0);
  });

  it('puts chunks that arrive out of order back in sequence', async () => {
    const plain = await postInOrder(
      pieces.map((_p, i) => i),
      { recording_id: 'reference-2' },
    );
    // Windows are decoded as chunks become contiguous, so the model may see other window edges;
    // the audio itself is checked sample-exactly in the session tests.
    const shuffled = await postInOrder(shuffledOrder(), { recording_id: 'shuffled' });
    expect(shuffled.length).toBeGreaterThan(0);
    expect(wordErrorRate(plain, shuffled)).toBeLessThanOrEqual(SAME_AUDIO_WER);
    expect(await openSessions(app)).toBe(0);
  });

  it(`transcribes the spoken words of chunks that arrive out of order`, async () => {
    expect(offlineWer, modelDeafNote(offlineWer)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    const text = await postInOrder(shuffledOrder(), { recording_id: 'shuffled-accuracy' });
    expect(wordErrorRate(SPOKEN, text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  });

  it('refuses garbage audio with 422 for that session only', async () => {
    const reference = await streamChunks(postOk, pieces, { recording_id: 'reference-3', tab_id: 1 });
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
    expect(wordErrorRate(reference.text, transcript.text)).toBeLessThanOrEqual(SAME_AUDIO_WER);
    expect(await openSessions(app)).toBe(0);
  });

  it('refuses a recording in a container it cannot decode with 415', async () => {
    const response = await post(
      chunkRequest(0, pieces[0] as Buffer, { recording_id: 'mp4', mime_type: 'audio/mp4' }),
    );
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).code).toBe('unsupported_media_type');
    expect(errorOf(response).message).toContain('audio/mp4');
    expect(await openSessions(app)).toBe(0);
  });

  it('closes a session that went idle; its next chunk must restart the recording', async () => {
    await postOk(chunkRequest(0, pieces[0] as Buffer, { recording_id: 'idle' }));
    expect(await openSessions(app)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await openSessions(app)).toBe(0);
    const response = await post(chunkRequest(1, pieces[1] as Buffer, { recording_id: 'idle' }));
    expect(response.statusCode).toBe(409);
  });
});
