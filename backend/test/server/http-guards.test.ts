import { ErrorResponseSchema, HealthResponseSchema } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { chunkRequest, INJECT_PORT, loadTinyEn, OWN_HOST } from './helpers';

let recognizer: Recognizer;
let app: FastifyInstance;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({ recognizer, config: { port: INJECT_PORT } });
});
afterAll(async () => {
  await app.close();
  await recognizer.release();
});

const validChunk = chunkRequest(0, Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));

function errorOf(response: { json(): unknown }) {
  return ErrorResponseSchema.parse(response.json()).error;
}

describe('HTTP guards', () => {
  it('reports health with the model, device, providers and open sessions', async () => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { host: OWN_HOST } });
    expect(response.statusCode).toBe(200);
    const health = HealthResponseSchema.parse(response.json());
    expect(health).toMatchObject({ status: 'ok', model: 'tiny-en', device: 'cpu', sessions: 0 });
    expect(health.providers.length).toBeGreaterThan(0);
    expect(health.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([['localhost:8001'], ['[::1]:8001']])('accepts the loopback name %s as Host', async (host) => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { host } });
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['a rebinding domain', 'evil.example:8001'],
    ['the right name on another port', '127.0.0.1:9999'],
    ['a name without port', 'localhost'],
  ])('refuses %s as Host with 403 forbidden_host', async (_name, host) => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { host } });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).code).toBe('forbidden_host');
  });

  it('refuses a foreign Host on the stream route before touching the body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: 'evil.example:8001' },
      payload: validChunk,
    });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).code).toBe('forbidden_host');
    expect(app.sessions.count).toBe(0);
  });

  it('sends CORS headers to a chrome extension origin', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { host: OWN_HOST, origin: 'chrome-extension://abc' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('chrome-extension://abc');
  });

  it('answers the preflight of a chrome extension POST', async () => {
    const response = await app.inject({
      method: 'OPTIONS',
      url: '/asr/stream',
      headers: {
        host: OWN_HOST,
        origin: 'chrome-extension://abc',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('chrome-extension://abc');
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
  });

  it.each([
    ['a web page', 'https://evil.example'],
    ['a page of another local server', 'http://127.0.0.1:8080'],
    ['a bare scheme', 'chrome-extension://'],
  ])('refuses %s origin with 403 and no CORS headers', async (_name, origin) => {
    for (const method of ['GET', 'OPTIONS'] as const) {
      const response = await app.inject({
        method,
        url: '/health',
        headers: { host: OWN_HOST, origin, 'access-control-request-method': 'GET' },
      });
      expect(response.statusCode).toBe(403);
      expect(errorOf(response).code).toBe('forbidden_origin');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it("lets the server's own pages (its /docs) call it, from its own origin only", async () => {
    const own = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { host: OWN_HOST, origin: `http://${OWN_HOST}` },
    });
    expect(own.statusCode).toBe(200);
    const otherScheme = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { host: OWN_HOST, origin: `https://${OWN_HOST}` },
    });
    expect(otherScheme.statusCode).toBe(403);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1', headers: { host: OWN_HOST } });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response)).toEqual({ code: 'not_found', message: 'no route for GET /nope' });
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('refuses %s bodies on /asr/stream with 415', async (_name, contentType) => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST, 'content-type': contentType },
      payload: JSON.stringify(validChunk),
    });
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).code).toBe('unsupported_media_type');
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...validChunk, audio_b64: 'A'.repeat(7 * 1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('payload_too_large');
  });

  it.each([
    ['a missing user_id', { user_id: undefined }, 'user_id'],
    ['a string tab_id', { tab_id: 'seven' }, 'tab_id'],
    ['a negative seq', { seq: -1 }, 'seq'],
    ['audio that is not base64', { audio_b64: 'not base64 !' }, 'audio_b64'],
    ['final that is not a boolean', { final: 'yes' }, 'final'],
  ])('refuses %s with 400 naming the field', async (_name, patch, field) => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST },
      payload: { ...validChunk, ...patch },
    });
    expect(response.statusCode).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(field);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST, 'content-type': 'application/json' },
      payload: '{"user_id": "u", ',
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('bad_request');
  });

  it('refuses a JSON body that is not an object with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST, 'content-type': 'application/json' },
      payload: '[1, 2, 3]',
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('bad_request');
  });

  it('refuses prototype pollution attempts with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/asr/stream',
      headers: { host: OWN_HOST, 'content-type': 'application/json' },
      payload: `{"__proto__": {"polluted": true}, ${JSON.stringify(validChunk).slice(1)}`,
    });
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still serves after all of that', async () => {
    const response = await app.inject({ method: 'GET', url: '/health', headers: { host: OWN_HOST } });
    expect(response.statusCode).toBe(200);
  });
});

describe('configured allowlists', () => {
  it('allows only the configured extension and the configured Host names', async () => {
    const strict = await buildApp({
      recognizer,
      config: { allowedOrigins: ['abcdefghijklmnopabcdefghijklmnop'], allowedHosts: ['earshot.local:8001'] },
    });
    try {
      const ok = await strict.inject({
        method: 'GET',
        url: '/health',
        headers: {
          host: 'earshot.local:8001',
          origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
        },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['access-control-allow-origin']).toBe(
        'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      );

      const otherExtension = await strict.inject({
        method: 'GET',
        url: '/health',
        headers: { host: 'earshot.local:8001', origin: 'chrome-extension://abc' },
      });
      expect(otherExtension.statusCode).toBe(403);
      expect(otherExtension.headers['access-control-allow-origin']).toBeUndefined();

      const loopback = await strict.inject({ method: 'GET', url: '/health', headers: { host: OWN_HOST } });
      expect(loopback.statusCode).toBe(403);
    } finally {
      await strict.close();
    }
  });

  it('rejects an allowed origin that is not a chrome extension at startup', async () => {
    await expect(
      buildApp({ recognizer, config: { allowedOrigins: ['https://example.com'] } }),
    ).rejects.toThrow(/chrome extension/);
  });
});
