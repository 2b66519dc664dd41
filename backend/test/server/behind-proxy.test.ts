import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { buildApp } from '../../src/server/app';
import { loadTinyEn } from './helpers';

const PUBLIC = 'earshot.example.com';
let recognizer: Recognizer;
let proxied: FastifyInstance;
let direct: FastifyInstance;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  const config = { host: '127.0.0.1', port: 8001, allowedHosts: [PUBLIC] };
  proxied = await buildApp({ recognizer, config, trustedProxies: ['loopback'] });
  direct = await buildApp({ recognizer, config });
});
afterAll(async () => {
  await Promise.all([proxied?.close(), direct?.close()]);
  await recognizer?.release();
});

/** GET /health from `peer` as a proxy forwards it: its own Host, the client's in X-Forwarded-Host. */
async function health(app: FastifyInstance, peer: string, forwardedHost?: string): Promise<number> {
  const response = await app.inject({
    method: 'GET',
    url: '/health',
    remoteAddress: peer,
    headers: { host: '127.0.0.1:8001', ...(forwardedHost ? { 'x-forwarded-host': forwardedHost } : {}) },
  });
  return response.statusCode;
}

describe('behind a TLS proxy', () => {
  it("checks the Host the client sent to the proxy, read from the proxy's X-Forwarded-Host", async () => {
    expect(await health(proxied, '127.0.0.1', PUBLIC)).toBe(200);
    expect(await health(proxied, '::1', PUBLIC)).toBe(200);
    expect(await health(proxied, '127.0.0.1', 'rebound.attacker.test')).toBe(403);
    // Without a forwarded host the proxy's own Host is checked, and it is not the public name.
    expect(await health(proxied, '127.0.0.1')).toBe(403);
  });

  it('says in GET /status which proxies it trusts', async () => {
    const status = await proxied.inject({
      method: 'GET',
      url: '/status',
      remoteAddress: '127.0.0.1',
      headers: { host: '127.0.0.1:8001', 'x-forwarded-host': PUBLIC },
    });
    expect(status.json()).toMatchObject({ config: { tls: false, trusted_proxies: ['loopback'] } });
  });

  it('ignores X-Forwarded-* from any peer that is not the proxy, and without --behind-proxy', async () => {
    expect(await health(proxied, '192.168.1.50', PUBLIC)).toBe(403);
    expect(await health(direct, '127.0.0.1', PUBLIC)).toBe(403);
  });
});
