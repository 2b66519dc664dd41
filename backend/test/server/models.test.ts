import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AsrStreamRequest, AsrStreamResponse } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { findModel } from '../../src/models';
import { buildApp } from '../../src/server/app';
import { loadFromStore, type ModelLoader } from '../../src/server/model-loader';
import { startServer } from '../../src/server/start';
import { FakeHub } from '../models/fake-hub';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, speechWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { chunkRequest, loadTinyEn } from './helpers';

const LEVEL_WORDS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/level-words',
);
const TINY_EN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/tiny-en');

function loadLevelWords(): Promise<Recognizer> {
  return loadRecognizer({ modelDir: LEVEL_WORDS_DIR, modelId: 'level-words', device: 'cpu' });
}

interface Served {
  app: FastifyInstance;
  url: string;
  client: OpenAI;
}

async function serve(options: Parameters<typeof buildApp>[0]): Promise<Served> {
  const app = await buildApp({ config: { host: '127.0.0.1' }, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused-without-a-key-file', maxRetries: 0 });
  return { app, url, client };
}

async function post(url: string, body?: object): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
}

async function postChunk(url: string, request: AsrStreamRequest): Promise<Response> {
  return post(`${url}/asr/stream`, request);
}

async function postChunkOk(url: string, request: AsrStreamRequest): Promise<AsrStreamResponse> {
  const response = await postChunk(url, request);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as AsrStreamResponse;
}

/** Polls GET /v1/models/{id} until `done` holds for it. */
async function untilModel(served: Served, id: string, done: (model: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 400; i++) {
    const model = (await served.client.models.retrieve(id)) as unknown as Record<string, unknown>;
    if (done(model)) return model;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`model ${id} never reached the expected state`);
}

let pieces: Buffer[];
beforeAll(async () => {
  const { webm } = await speechWebm('the dog ran to the park and the cat sat on the mat by the door');
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 3);
  expect(pieces.length).toBeGreaterThanOrEqual(3);
});

describe('models served from the start', () => {
  let tinyEn: ObservedRecognizer;
  let levelWords: ObservedRecognizer;
  let served: Served;

  beforeAll(async () => {
    tinyEn = new ObservedRecognizer(await loadTinyEn());
    levelWords = new ObservedRecognizer(await loadLevelWords());
    served = await serve({ recognizer: tinyEn, moreRecognizers: [levelWords] });
    // The warm-up decodes are done before any test counts batches.
    for (const id of ['tiny-en', 'level-words']) await untilModel(served, id, (m) => m.ready === true);
  });
  afterAll(async () => {
    await served.app.close();
    await Promise.all([tinyEn.release(), levelWords.release()]);
  });

  it('lists every store recognizer with whether it is on disk and loaded, and the directory models', async () => {
    const models = [];
    for await (const model of served.client.models.list()) models.push(model);
    const byId = new Map(models.map((m) => [m.id, m as unknown as Record<string, unknown>]));

    expect(byId.get('tiny-en')).toMatchObject({
      object: 'model',
      owned_by: 'earshot',
      on_disk: true,
      loaded: true,
      default: true,
      device: 'cpu',
      status: 'loaded',
    });
    expect(byId.get('tiny-en')?.created).toBeGreaterThan(0);
    expect(byId.get('level-words')).toMatchObject({ loaded: true, default: false, owned_by: 'local' });
    expect(byId.get('whisper-base')).toMatchObject({
      owned_by: 'onnx-community',
      loaded: false,
      default: false,
      device: null,
    });
    // The VAD is a model of the store but not a recognizer a request could name.
    expect(byId.has('silero-vad')).toBe(false);
  });

  it('retrieves one model, and answers an unknown id with the 404 the client raises as NotFoundError', async () => {
    const model = await untilModel(served, 'level-words', (m) => m.ready === true);
    expect(model).toMatchObject({ id: 'level-words', object: 'model', loaded: true });

    const error = await served.client.models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('model_not_found');
    expect((error as NotFoundError).message).toMatch(/no-such-model/);
  });

  it('recognizes a recording with the model its first chunk names, for all of its chunks', async () => {
    const before = { tinyEn: tinyEn.batches.length, levelWords: levelWords.batches.length };
    for (const [seq, piece] of pieces.entries()) {
      await postChunkOk(
        served.url,
        chunkRequest(seq, piece, {
          recording_id: 'on-level-words',
          final: seq === pieces.length - 1,
          ...(seq === 0 ? { model: 'level-words' } : {}),
        }),
      );
    }
    expect(levelWords.batches.length).toBeGreaterThan(before.levelWords);
    expect(tinyEn.batches.length).toBe(before.tinyEn);

    // Without a model the recording goes to the default.
    for (const [seq, piece] of pieces.entries()) {
      await postChunkOk(
        served.url,
        chunkRequest(seq, piece, { recording_id: 'on-default', final: seq === pieces.length - 1 }),
      );
    }
    expect(tinyEn.batches.length).toBeGreaterThan(before.tinyEn);
  });

  it('refuses an unknown model with 404, one not loaded with 409, and a switch mid-recording', async () => {
    const first = pieces[0] as Buffer;
    const unknown = await postChunk(served.url, chunkRequest(0, first, { model: 'no-such-model' }));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: unknown }).error).toMatchObject({ code: 'model_not_found' });

    const notLoaded = await postChunk(
      served.url,
      chunkRequest(0, first, { recording_id: 'r2', model: 'whisper-base' }),
    );
    expect(notLoaded.status).toBe(409);
    expect(((await notLoaded.json()) as { error: unknown }).error).toEqual({
      code: 'model_not_loaded',
      message: expect.stringMatching(/whisper-base is not loaded .*POST \/v1\/models\/whisper-base\/load/),
    });
    // Neither refusal left a recording open.
    const health = (await (await fetch(`${served.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ model: 'tiny-en', sessions: 0 });

    await postChunkOk(served.url, chunkRequest(0, first, { recording_id: 'r3' }));
    const switched = await postChunk(
      served.url,
      chunkRequest(1, pieces[1] as Buffer, { recording_id: 'r3', model: 'level-words' }),
    );
    expect(switched.status).toBe(409);
    expect(((await switched.json()) as { error: { message: string } }).error.message).toMatch(
      /recognized by model tiny-en until it ends/,
    );
  });
});

describe('loading and unloading while serving', () => {
  let levelWords: ObservedRecognizer;
  let served: Served;
  /** What the app loaded through the store, observed. */
  const loadedByApp: ObservedRecognizer[] = [];
  const released: string[] = [];
  const observedLoad: ModelLoader = async (id, options) => {
    const recognizer = new ObservedRecognizer(await loadFromStore(id, options));
    const release = recognizer.release.bind(recognizer);
    recognizer.release = () => {
      released.push(id);
      return release();
    };
    loadedByApp.push(recognizer);
    return recognizer;
  };

  beforeAll(async () => {
    levelWords = new ObservedRecognizer(await loadLevelWords());
    served = await serve({ recognizer: levelWords, loadModel: observedLoad });
  });
  afterAll(async () => {
    await served.app.close();
    await levelWords.release();
  });

  it('loads a store model with POST, serves it, and unloads it through the openai client', async () => {
    const loading = await post(`${served.url}/v1/models/tiny-en/load`);
    expect(loading.status).toBe(202);
    // Accepted: the body is the model's state by the time it was written (tiny-en loads quickly).
    expect(await loading.json()).toMatchObject({
      id: 'tiny-en',
      status: expect.stringMatching(/^(loading|loaded)$/),
    });
    const loaded = await untilModel(served, 'tiny-en', (m) => m.ready === true);
    expect(loaded).toMatchObject({ loaded: true, default: false, device: 'cpu', status: 'loaded' });
    // Asking again loads nothing twice.
    const again = await post(`${served.url}/v1/models/tiny-en/load`);
    expect(again.status).toBe(200);
    expect(loadedByApp).toHaveLength(1);

    const tinyEn = loadedByApp[0] as ObservedRecognizer;
    const before = tinyEn.batches.length;
    for (const [seq, piece] of pieces.entries()) {
      await postChunkOk(
        served.url,
        chunkRequest(seq, piece, {
          recording_id: 'loaded-later',
          final: seq === pieces.length - 1,
          ...(seq === 0 ? { model: 'tiny-en' } : {}),
        }),
      );
    }
    expect(tinyEn.batches.length).toBeGreaterThan(before);

    expect(await served.client.models.delete('tiny-en')).toEqual({
      id: 'tiny-en',
      object: 'model',
      deleted: true,
    });
    expect(released).toEqual(['tiny-en']);
    expect(await served.client.models.retrieve('tiny-en')).toMatchObject({
      loaded: false,
      status: 'on_disk',
    });
    const gone = await postChunk(served.url, chunkRequest(0, pieces[0] as Buffer, { model: 'tiny-en' }));
    expect(gone.status).toBe(409);
  });

  it('keeps a recording on its model while the default changes, and unloads a model only once no recording uses it', async () => {
    const [first, second, ...rest] = pieces as [Buffer, Buffer, ...Buffer[]];
    // A recording on the default model (level-words) starts.
    await postChunkOk(served.url, chunkRequest(0, first, { recording_id: 'long' }));

    // tiny-en is loaded and made the default meanwhile.
    expect((await post(`${served.url}/v1/models/tiny-en/load`, { default: true })).status).toBe(202);
    await untilModel(served, 'tiny-en', (m) => m.ready === true && m.default === true);
    const tinyEn = loadedByApp.at(-1) as ObservedRecognizer;
    const onLevelWords = levelWords.batches.length;
    const onTinyEn = tinyEn.batches.length;

    // The old default cannot be unloaded under the recording.
    const busy = await served.client.models.delete('level-words').catch((e: unknown) => e);
    expect(busy).toMatchObject({ status: 409, code: 'model_in_use' });
    expect((busy as Error).message).toMatch(/used by 1 live recording/);

    // A new recording gets the new default and stays open while level-words goes.
    await postChunkOk(served.url, chunkRequest(0, first, { recording_id: 'new' }));

    // The first recording carries on with level-words until its end.
    await postChunkOk(served.url, chunkRequest(1, second, { recording_id: 'long' }));
    for (const [i, piece] of rest.entries()) {
      await postChunkOk(
        served.url,
        chunkRequest(i + 2, piece, { recording_id: 'long', final: i === rest.length - 1 }),
      );
    }
    expect(levelWords.batches.length).toBeGreaterThan(onLevelWords);
    const tinyEnDuringLong = tinyEn.batches.length;

    // Now nothing uses level-words: it is unloaded, and the recording on tiny-en is unaffected.
    expect(await served.client.models.delete('level-words')).toMatchObject({ deleted: true });
    for (const [seq, piece] of pieces.entries()) {
      if (seq === 0) continue;
      await postChunkOk(
        served.url,
        chunkRequest(seq, piece, { recording_id: 'new', final: seq === pieces.length - 1 }),
      );
    }
    expect(tinyEn.batches.length).toBeGreaterThan(Math.max(onTinyEn, tinyEnDuringLong));
    const health = (await (await fetch(`${served.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ model: 'tiny-en', sessions: 0 });

    // The default itself cannot be unloaded.
    const isDefault = await served.client.models.delete('tiny-en').catch((e: unknown) => e);
    expect(isDefault).toMatchObject({ status: 409, code: 'model_is_default' });
  });

  it('refuses a device the model cannot run on with the message a start gives, and never falls back to the CPU', async () => {
    const atStart = await startServer({
      models: ['tiny-en'],
      device: 'cuda',
      host: '127.0.0.1',
      port: 0,
      vad: 'off',
    }).catch((e: unknown) => e as Error);
    expect(atStart).toBeInstanceOf(Error);
    expect((atStart as Error).message).toMatch(/^CUDA requested but unavailable/);

    const response = await post(`${served.url}/v1/models/whisper-base/load`, { device: 'cuda' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: (atStart as Error).message,
        type: 'invalid_request_error',
        param: 'device',
        code: 'cuda_unavailable',
      },
    });
    // Nothing was started: no download, no failed load, and no model on another device.
    expect(await served.client.models.retrieve('whisper-base')).toMatchObject({
      loaded: false,
      download: null,
      error: null,
    });

    const badDevice = await post(`${served.url}/v1/models/whisper-base/load`, { device: 'gpu' });
    expect(badDevice.status).toBe(400);
    expect(((await badDevice.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_device' });
    const unknown = await post(`${served.url}/v1/models/no-such-model/load`);
    expect(unknown.status).toBe(404);
  });
});

describe('a load that downloads', () => {
  const int8Id = 'parakeet-tdt-0.6b-v2-int8';
  const entry = findModel(int8Id);
  let hub: FakeHub;
  let cacheDir: string;
  let served: Served;
  let levelWords: Recognizer;
  const saved = { endpoint: process.env.HF_ENDPOINT, cache: process.env.EARSHOT_CACHE_DIR };

  beforeAll(async () => {
    if (entry?.source.kind !== 'huggingface') throw new Error(`${int8Id} is no longer a Hub model`);
    // The Hub stand-in serves tiny-en's graphs under the int8 model's names: a real download of a model
    // that really loads.
    hub = await new FakeHub(entry.source.repo).start();
    hub.addFile('encoder-model.int8.onnx', readFileSync(path.join(TINY_EN_DIR, 'encoder-model.onnx')), true);
    hub.addFile(
      'decoder_joint-model.int8.onnx',
      readFileSync(path.join(TINY_EN_DIR, 'decoder_joint-model.onnx')),
      true,
    );
    hub.addFile('vocab.txt', readFileSync(path.join(TINY_EN_DIR, 'vocab.txt')), false);
    hub.addFile('config.json', readFileSync(path.join(TINY_EN_DIR, 'config.json')), false);
    cacheDir = await mkdtemp(path.join(tmpdir(), 'earshot-pool-cache-'));
    process.env.HF_ENDPOINT = hub.hubUrl;
    process.env.EARSHOT_CACHE_DIR = cacheDir;
    levelWords = await loadLevelWords();
    served = await serve({ recognizer: levelWords });
  });
  afterAll(async () => {
    await served.app.close();
    await levelWords.release();
    await hub.stop();
    await rm(cacheDir, { recursive: true, force: true });
    for (const [name, value] of [
      ['HF_ENDPOINT', saved.endpoint],
      ['EARSHOT_CACHE_DIR', saved.cache],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('shows bytes done and total in GET /v1/models while downloading, then serves the model', async () => {
    let resume = () => {};
    hub.pauseNext.set(
      'encoder-model.int8.onnx',
      new Promise<void>((resolve) => {
        resume = resolve;
      }),
    );
    const size = hub.files.get('encoder-model.int8.onnx')?.bytes.length ?? 0;
    expect(await served.client.models.retrieve(int8Id)).toMatchObject({
      on_disk: false,
      status: 'not_downloaded',
    });

    const response = await post(`${served.url}/v1/models/${int8Id}/load`);
    expect(response.status).toBe(202);
    const halfway = await untilModel(
      served,
      int8Id,
      (m) => (m.download as { bytes_done?: number } | null)?.bytes_done === Math.floor(size / 2),
    );
    expect(halfway).toMatchObject({
      status: 'downloading',
      loaded: false,
      download: { file: 'encoder-model.int8.onnx', bytes_done: Math.floor(size / 2), bytes_total: size },
    });
    const listed = [];
    for await (const model of served.client.models.list()) listed.push(model);
    expect(listed.find((m) => m.id === int8Id)).toMatchObject({ status: 'downloading' });

    resume();
    const loaded = await untilModel(served, int8Id, (m) => m.ready === true);
    expect(loaded).toMatchObject({ on_disk: true, loaded: true, status: 'loaded', download: null });
    for (const [seq, piece] of pieces.entries()) {
      await postChunkOk(
        served.url,
        chunkRequest(seq, piece, {
          recording_id: 'downloaded',
          final: seq === pieces.length - 1,
          ...(seq === 0 ? { model: int8Id } : {}),
        }),
      );
    }
  });

  it('reports a download that fails in the model state, with the store message', async () => {
    const whisper = await post(`${served.url}/v1/models/whisper-base/load`);
    expect(whisper.status).toBe(202);
    const failed = await untilModel(served, 'whisper-base', (m) => m.status === 'failed');
    expect(failed).toMatchObject({
      loaded: false,
      error: {
        code: 'model_unavailable',
        message: expect.stringMatching(/model whisper-base is not downloaded/),
      },
    });
    const named = await postChunk(
      served.url,
      chunkRequest(0, pieces[0] as Buffer, { model: 'whisper-base' }),
    );
    expect(named.status).toBe(409);
  });
});

describe('BadRequestError from the client', () => {
  it('is what a load with an unknown body field raises', async () => {
    const levelWords = await loadLevelWords();
    const served = await serve({ recognizer: levelWords });
    try {
      const error = await served.client
        .post('/models/level-words/load', { body: { devcie: 'cpu' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).message).toMatch(/devcie/);
    } finally {
      await served.app.close();
      await levelWords.release();
    }
  });
});
