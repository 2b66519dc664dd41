import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { ApiKeys } from '../../src/server/api-keys';
import { buildApp } from '../../src/server/app';
import { loadTinyEn } from './helpers';

const KEY = 'openapi-test-key-0123456789';

let recognizer: Recognizer;
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  recognizer = await loadTinyEn();
  app = await buildApp({
    recognizer,
    config: { host: '127.0.0.1' },
    apiKeys: new ApiKeys([{ name: 'docs', key: KEY }]),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await recognizer?.release();
});

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; requestBody?: unknown }>>;
}

/**
 * Every route the app registered, read from Fastify's own route tree (`printRoutes`): each line is a
 * path segment under its parent's, with the methods of the route ending there.
 */
function registeredRoutes(server: FastifyInstance): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const prefixes: string[] = [];
  for (const line of server.printRoutes().split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    prefixes.length = depth;
    const segment = match[2] === '(empty root node)' ? '' : (match[2] ?? '');
    const path = `${prefixes.join('')}${segment}`;
    prefixes.push(segment);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

describe('GET /openapi.json', () => {
  it('is open with keys on, and a valid OpenAPI 3 document', async () => {
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    const response = await fetch(`${url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('describes every registered route, each with a summary and the door it belongs to', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument;
    const routes = registeredRoutes(app).filter(
      (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !/^\/docs(\/|$)/.test(r.path),
    );
    expect(routes.length).toBeGreaterThan(25);
    const missing = routes.filter((r) => {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      return !doc.paths[path]?.[r.method.toLowerCase()];
    });
    expect(missing).toEqual([]);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.summary, `${method} ${path}`).toBeTruthy();
        expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(
          app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }),
        ).toBe(true);
      }
    }
    // Uploads are described as the forms they are.
    const upload = doc.paths['/transcribe']?.post?.requestBody as {
      content: Record<string, { schema: { properties: Record<string, { format?: string }> } }>;
    };
    expect(upload.content['multipart/form-data']?.schema.properties.file?.format).toBe('binary');
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI over the document, open with keys on', async () => {
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/swagger-ui/i);
    const json = (await (await fetch(`${url}/docs/json`)).json()) as OpenApiDocument;
    expect(Object.keys(json.paths)).toContain('/ensemble');
  });
});
