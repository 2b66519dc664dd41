import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { KeyRing } from '../api-keys';
import { HttpError } from '../http-error';
import { DOCS_PREFIX, OPENAPI_PATH } from './openapi';

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the caller's API key; null when the server runs without keys. */
    apiKeyName: string | null;
  }
}

export interface AuthPluginOptions {
  /** Without keys every request is let through (a loopback-only server). */
  keys?: KeyRing;
}

/** Browsers cannot set headers on a WebSocket; OpenAI's clients send the key as a subprotocol instead. */
const WEBSOCKET_KEY_PREFIX = 'openai-insecure-api-key.';

/**
 * Probes (a container's HEALTHCHECK, a load balancer) seldom carry keys; these say only whether the
 * server is up and warmed up, nothing private. The API's description and its interactive docs (whose
 * page cannot send a key for its own files) hold nothing private either.
 */
const OPEN_ROUTES = new Set(['/health', '/ready', OPENAPI_PATH, DOCS_PREFIX]);

function isOpen(path: string): boolean {
  return OPEN_ROUTES.has(path) || path.startsWith(`${DOCS_PREFIX}/`);
}

/**
 * Bearer-key auth for every route but the open ones (health, readiness, the API docs), checked on request so that WebSocket
 * upgrades are checked too. CORS preflights carry no credentials and pass (they reach no handler).
 */
const authPlugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { keys }) => {
  app.decorateRequest('apiKeyName', null);
  if (!keys) return;
  app.addHook('onRequest', async (request) => {
    if (request.method === 'OPTIONS' || isOpen(request.url.split('?')[0] ?? '')) return;
    const presented = presentedKey(request);
    if (presented === undefined) {
      throw new HttpError(
        401,
        'unauthorized',
        'this server needs an API key: send the header "Authorization: Bearer <key>"',
      );
    }
    const name = keys.identify(presented);
    if (name === undefined) throw new HttpError(401, 'unauthorized', 'the API key sent is not valid');
    request.apiKeyName = name;
  });
};

function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return undefined;
  return protocols
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(WEBSOCKET_KEY_PREFIX))
    ?.slice(WEBSOCKET_KEY_PREFIX.length);
}

export default fp(authPlugin, { name: 'auth' });
