import type { AddressInfo } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http-error';
import { originPolicy } from './origin-policy';

export interface RequestGuardOptions {
  host?: string;
  port?: number;
  allowedHosts?: string[];
  allowedOrigins?: string[];
}

/**
 * Refuses requests a local page must not be able to make: a Host header other than the server's own
 * names (DNS rebinding: a foreign site whose name resolves to 127.0.0.1) and any browser Origin that is
 * neither an allowed extension nor the server's own (its /docs page). Requests without an Origin
 * (curl, the CLI) pass.
 */
const requestGuard: FastifyPluginAsync<RequestGuardOptions> = async (app, options) => {
  const originAllowed = originPolicy(options.allowedOrigins);
  const configuredHosts = options.allowedHosts?.map((h) => h.toLowerCase());

  const allowedHosts = (): readonly string[] => {
    if (configuredHosts) return configuredHosts;
    const address = app.server.address() as AddressInfo | null;
    const port = address?.port ?? options.port;
    if (port === undefined) return [];
    const names = ['127.0.0.1', 'localhost', '[::1]'];
    if (options.host && !WILDCARD_HOSTS.has(options.host))
      names.push(hostHeaderName(options.host).toLowerCase());
    return names.map((name) => `${name}:${port}`);
  };

  app.addHook('onRequest', async (request) => {
    // The Host header, or behind a proxy (trustProxy) the X-Forwarded-Host the proxy set.
    const host = request.host?.toLowerCase() || undefined;
    if (!host || !allowedHosts().includes(host)) {
      throw new HttpError(403, 'forbidden_host', `Host "${host ?? ''}" is not this server's address`);
    }
    const origin = request.headers.origin;
    // A page the server itself serves (its API docs) may call it; pages of any other site may not.
    const ownOrigin = `${request.protocol}://${host}`;
    if (origin !== undefined && origin !== ownOrigin && !originAllowed(origin)) {
      throw new HttpError(403, 'forbidden_origin', `origin "${origin}" may not use this server`);
    }
  });
};

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** How an address appears in a Host header: IPv6 literals in brackets. */
export function hostHeaderName(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export default fp(requestGuard, { name: 'request-guard' });
