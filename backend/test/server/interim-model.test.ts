import type { AddressInfo } from 'node:net';
import { type AsrStreamRequest, AsrStreamResponseSchema, type Segment } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadRecognizer } from '../../src/engine';
import { resolveModel } from '../../src/models';
import { buildApp } from '../../src/server/app';
import { cutAtArbitraryOffsets, decodeWhole, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import {
  chunkRequest,
  loadTinyEn,
  MAX_STREAMING_WER,
  modelDeafNote,
  offlineWordErrorRate,
  wordErrorRate,
} from './helpers';

const SPOKEN =
  'the dog ran to the park to play with a red ball and the children walk near the river at night';
/** tiny-en loaded a second time under its own id, so its queue and its words can be told apart. */
const FINALS_ID = 'tiny-en-finals';

let fast: ObservedRecognizer;
let finals: ObservedRecognizer;
let app: FastifyInstance;
let base: string;
let pieces: Buffer[];
let offlineWer: number;

beforeAll(async () => {
  fast = new ObservedRecognizer(await loadTinyEn());
  const tinyEn = await resolveModel('tiny-en', { allowDownload: false });
  finals = new ObservedRecognizer(
    await loadRecognizer({
      modelDir: tinyEn.dir,
      modelId: FINALS_ID,
      device: 'cpu',
      encoderFile: tinyEn.encoderFile,
      decoderFile: tinyEn.decoderFile,
    }),
  );
  app = await buildApp({ recognizer: finals, moreRecognizers: [fast], interimModel: 'tiny-en' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const { webm } = await speechWebm(SPOKEN);
  // About 250 ms per chunk, as the extension's MediaRecorder sends them.
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM / 4, 5);
  offlineWer = await offlineWordErrorRate(fast, await decodeWhole(webm), SPOKEN);
  for (let i = 0; i < 200 && (await fetch(`${base}/ready`)).status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  await app.close();
  await Promise.all([fast.release(), finals.release()]);
});

async function post(body: AsrStreamRequest): Promise<Response> {
  return fetch(`${base}/asr/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What the extension's captions do with each answer: finals kept by id, the interim replaced. */
async function streamAsCaptions(extra: Partial<AsrStreamRequest>) {
  const finalsById = new Map<string, Segment>();
  const problems: string[] = [];
  let interims = 0;
  for (const [seq, piece] of pieces.entries()) {
    const response = await post(chunkRequest(seq, piece, { ...extra, final: seq === pieces.length - 1 }));
    expect(response.status, await response.clone().text()).toBe(200);
    const { segments } = AsrStreamResponseSchema.parse(await response.json());
    for (const segment of segments.filter((s) => s.final)) {
      if (finalsById.has(segment.id)) problems.push(`final ${segment.id} sent twice`);
      finalsById.set(segment.id, segment);
    }
    const interim = segments.find((s) => !s.final);
    if (!interim) continue;
    interims++;
    // Never flicker back: the interim starts after every word already final.
    const finalEnd = Math.max(0, ...[...finalsById.values()].map((f) => f.end_seconds));
    const first = interim.words[0];
    if (first && first.start_seconds < finalEnd - 0.05) {
      problems.push(
        `interim "${interim.text}" starts at ${first.start_seconds} s, before the finals' end ${finalEnd} s`,
      );
    }
  }
  const ordered = [...finalsById.values()];
  return { finals: ordered, interims, problems, text: ordered.map((s) => s.text).join(' ') };
}

const words = (text: string) => text.trim().split(/\s+/).filter(Boolean).join(' ');

describe('a fast interim model beside a final model, over real HTTP', () => {
  it('names the pair in /health and /status', async () => {
    const health = await (await fetch(`${base}/health`)).json();
    expect(health).toMatchObject({ model: FINALS_ID, interim_model: 'tiny-en' });
    const status = (await (await fetch(`${base}/status`)).json()) as Record<string, unknown>;
    expect(status.defaults).toEqual({ model: FINALS_ID, interim_model: 'tiny-en' });
  });

  it("streams a recording whose finals are the final model's words, replacing the fast model's interims", async () => {
    fast.batches.length = 0;
    finals.batches.length = 0;
    const shown = await streamAsCaptions({ recording_id: 'pair-1' });
    expect(shown.problems).toEqual([]);
    expect(shown.interims).toBeGreaterThan(0);
    expect(shown.finals.length).toBeGreaterThan(0);
    expect(shown.finals.every((f) => /^pair-1-\d+$/.test(f.id))).toBe(true);
    // The fast model saw the streaming windows; every final is a run of words the final model decoded.
    expect(fast.batches.flat().length).toBeGreaterThan(shown.finals.length);
    const decodedByFinals = finals.batches.flat().map(words);
    for (const final of shown.finals) {
      expect(
        decodedByFinals.some((text) => ` ${text} `.includes(` ${words(final.text)} `)),
        `"${final.text}" is not among the final model's decodes`,
      ).toBe(true);
    }
    // The final model decoded stretches, not the streaming windows: far fewer calls than the fast one.
    expect(finals.batches.flat().length).toBeLessThan(fast.batches.flat().length);
    expect(offlineWer, modelDeafNote(offlineWer)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(wordErrorRate(SPOKEN, shown.text)).toBeLessThanOrEqual(MAX_STREAMING_WER);
  });

  it('runs one model alone when a recording asks for no interim model', async () => {
    fast.batches.length = 0;
    const shown = await streamAsCaptions({ recording_id: 'alone', interim_model: null });
    expect(shown.finals.length).toBeGreaterThan(0);
    expect(fast.batches).toEqual([]);
  });

  it('refuses an unknown interim model, and a change of models in the middle of a recording', async () => {
    const unknown = await post(
      chunkRequest(0, pieces[0] as Buffer, { recording_id: 'r1', interim_model: 'nope' }),
    );
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: unknown }).error).toEqual({
      code: 'model_not_found',
      message: expect.stringMatching(/^interim_model: unknown model "nope"/),
    });
    expect(((await (await fetch(`${base}/health`)).json()) as { sessions: number }).sessions).toBe(0);

    expect((await post(chunkRequest(0, pieces[0] as Buffer, { recording_id: 'r2' }))).status).toBe(200);
    const switched = await post(
      chunkRequest(1, pieces[1] as Buffer, { recording_id: 'r2', interim_model: null }),
    );
    expect(switched.status).toBe(409);
    expect(((await switched.json()) as { error: { message: string } }).error.message).toMatch(
      /has interim model tiny-en until it ends/,
    );
    const ended = await post(chunkRequest(2, pieces[2] as Buffer, { recording_id: 'r2', final: true }));
    expect(ended.status).toBe(200);
  });

  it('keeps the interim model loaded while it is the default one', async () => {
    const response = await fetch(`${base}/v1/models/tiny-en`, { method: 'DELETE' });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('model_is_default');
  });

  it('lets a realtime session name both models, and says which field named a model it cannot have', async () => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/v1/realtime?intent=transcription`);
    const events: { type: string; [key: string]: unknown }[] = [];
    socket.on('message', (data) => events.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const next = async (type: string) => {
      for (let i = 0; i < 400; i++) {
        const found = events.find((e) => e.type === type);
        if (found) {
          events.splice(events.indexOf(found), 1);
          return found;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no ${type} event`);
    };
    const transcriptionOf = (event: Record<string, unknown>) =>
      (event as { session: { audio: { input: { transcription: unknown } } } }).session.audio.input
        .transcription;

    expect(transcriptionOf(await next('session.created'))).toMatchObject({
      model: FINALS_ID,
      interim_model: 'tiny-en',
    });
    const update = (transcription: object) =>
      socket.send(
        JSON.stringify({
          type: 'session.update',
          session: { type: 'transcription', audio: { input: { transcription } } },
        }),
      );
    update({ model: 'tiny-en', interim_model: null });
    expect(transcriptionOf(await next('session.updated'))).toMatchObject({
      model: 'tiny-en',
      interim_model: null,
    });
    update({ interim_model: 'nope' });
    expect((await next('error')).error).toMatchObject({
      code: 'model_not_found',
      param: 'session.audio.input.transcription.interim_model',
    });
    update({ model: FINALS_ID, interim_model: 'tiny-en' });
    expect(transcriptionOf(await next('session.updated'))).toMatchObject({
      model: FINALS_ID,
      interim_model: 'tiny-en',
    });
    socket.close();
  });
});
