import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import OpenAI, { AuthenticationError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Recognizer } from '../../src/engine/types';
import { ApiKeys } from '../../src/server/api-keys';
import { buildApp } from '../../src/server/app';
import { chunkRequest, loadTinyEn } from './helpers';

const ALICE = 'alice-key-0123456789abcdef';
const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

let recognizer: Recognizer;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({
    recognizer,
    config: { host: '127.0.0.1' },
    apiKeys: new ApiKeys([
      { name: 'alice', key: ALICE },
      { name: 'bob', key: 'bob-key-0123456789abcdef' },
    ]),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

const client = (apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });

describe('API keys', () => {
  it('lets the official client in with a valid key and raises AuthenticationError on a wrong one', async () => {
    const models = await client(ALICE).models.list();
    expect(models.data.some((m) => m.id === 'tiny-en')).toBe(true);

    const error = await client('wrong-key-0123456789abcdef')
      .models.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).code).toBe('unauthorized');
  });

  it("answers /v1 without a key in OpenAI's error shape, and other routes in Earshot's", async () => {
    const v1 = await fetch(`${url}/v1/models`);
    expect(v1.status).toBe(401);
    expect(await v1.json()).toEqual({
      error: {
        message: expect.stringContaining('Authorization: Bearer <key>'),
        type: 'authentication_error',
        param: null,
        code: 'unauthorized',
      },
    });

    const stream = await fetch(`${url}/asr/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chunkRequest(0, new Uint8Array(8))),
    });
    expect(stream.status).toBe(401);
    expect(await stream.json()).toEqual({
      error: { code: 'unauthorized', message: expect.stringContaining('API key') },
    });

    const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer not-a-key-at-all' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'the API key sent is not valid',
    );
    // A route that does not exist is not revealed to a caller without a key either.
    expect((await fetch(`${url}/no-such-route`)).status).toBe(401);
  });

  it('keeps /health and /ready open for probes and reads every other route with the key', async () => {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // Warm-up is not part of buildApp here: /ready answers, with or without the model warmed up.
    expect([200, 503]).toContain((await fetch(`${url}/ready`)).status);
    expect((await fetch(`${url}/ready/more`)).status).toBe(401);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(metrics.status).toBe(200);
    const usage = await fetch(`${url}/v1/usage`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(await usage.json()).toMatchObject({ object: 'usage', key: 'alice' });
  });

  it('checks WebSocket upgrades before any route sees them', async () => {
    const status = (socket: WebSocket) =>
      new Promise<number>((resolve, reject) => {
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => reject(new Error('the upgrade went through')));
        socket.on('error', reject);
      });
    expect(await status(new WebSocket(`${url.replace('http', 'ws')}/v1/realtime`))).toBe(401);
    // Browsers cannot set headers on a WebSocket; OpenAI's clients send the key as a subprotocol.
    const withKey = new WebSocket(`${url.replace('http', 'ws')}/v1/realtime`, [
      'realtime',
      `openai-insecure-api-key.${ALICE}`,
    ]);
    expect(await status(withKey)).not.toBe(401);
  });

  it("lets the extension's CORS preflight ask for the Authorization header", async () => {
    const preflight = await fetch(`${url}/asr/stream`, {
      method: 'OPTIONS',
      headers: {
        origin: EXTENSION_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    // A refusal carries the CORS headers too, so the extension can read why.
    const refused = await fetch(`${url}/v1/models`, { headers: { origin: EXTENSION_ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
  });
});
