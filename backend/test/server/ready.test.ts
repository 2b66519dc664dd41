import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorResponseSchema, ReadyResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { INJECT_PORT, OWN_HOST } from './helpers';

const MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/level-words',
);

let real: Recognizer;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  real = await loadRecognizer({ modelDir: MODEL_DIR, modelId: 'level-words', device: 'cpu' });
});
afterEach(() => app?.close());
afterAll(() => real.release());

async function get(url: string) {
  if (!app) throw new Error('no app');
  return app.inject({ method: 'GET', url, headers: { host: OWN_HOST } });
}

async function readyGauge(): Promise<string | undefined> {
  return /^earshot_ready (\S+)$/m.exec((await get('/metrics')).body)?.[1];
}

describe('GET /ready', () => {
  it('answers 503 not_ready until the warm-up decode is done, then 200', async () => {
    const recognizer = new ObservedRecognizer(real);
    const release = recognizer.hold();
    app = await buildApp({ recognizer, config: { port: INJECT_PORT } });

    const before = await get('/ready');
    expect(before.statusCode).toBe(503);
    expect(ErrorResponseSchema.parse(before.json()).error).toMatchObject({
      code: 'not_ready',
      message: expect.stringMatching(/warming up/),
    });
    expect(await readyGauge()).toBe('0');
    expect((await get('/health')).statusCode).toBe(200);

    release();
    for (let i = 0; i < 100 && (await get('/ready')).statusCode !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = await get('/ready');
    expect(after.statusCode).toBe(200);
    expect(ReadyResponseSchema.parse(after.json())).toEqual({ ready: true });
    expect(await readyGauge()).toBe('1');
    // The warm-up was one second of audio through the recognizer.
    expect(recognizer.batches).toHaveLength(1);
  });

  it('stays not ready, saying why, when the warm-up decode fails', async () => {
    const recognizer = new ObservedRecognizer(real);
    recognizer.failNextDecode();
    app = await buildApp({ recognizer, config: { port: INJECT_PORT } });
    let response = await get('/ready');
    for (let i = 0; i < 100 && /warming up/.test(response.body); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      response = await get('/ready');
    }
    expect(response.statusCode).toBe(503);
    expect(ErrorResponseSchema.parse(response.json()).error).toMatchObject({
      code: 'not_ready',
      message: expect.stringMatching(/warm-up decode failed: the engine failed/),
    });
  });
});
