import { isIP } from 'node:net';

/** Whether only this machine can reach an address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return bare === '::1';
}

export class OpenBindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpenBindingError';
  }
}

export interface BindingSafety {
  keys: boolean;
  insecureNoAuth: boolean;
  /** Serves HTTPS and WSS itself. */
  tls: boolean;
  /** A TLS proxy in front of it terminates TLS. */
  behindProxy: boolean;
}

/**
 * A server reachable from other machines needs keys, unless its operator says in so many words that
 * it should be open, and it needs TLS, its own or a proxy's, so that keys and transcripts never cross
 * the network in clear text.
 */
export function checkBinding(host: string, safety: BindingSafety): void {
  if (isLoopbackHost(host)) return;
  if (!safety.keys && !safety.insecureNoAuth) {
    throw new OpenBindingError(
      `refusing to listen on ${host} without API keys: anyone who can reach that address could use the server. ` +
        'Give --api-keys <file> (or EARSHOT_API_KEYS_FILE), or --insecure-no-auth to serve it open anyway',
    );
  }
  if (!safety.tls && !safety.behindProxy) {
    throw new OpenBindingError(
      `refusing to serve plain HTTP on ${host}: keys and transcripts would cross the network in clear text. ` +
        'Give --tls-cert <file> --tls-key <file> (or EARSHOT_TLS_CERT and EARSHOT_TLS_KEY), ' +
        'or --behind-proxy when a TLS proxy in front of the server terminates TLS',
    );
  }
}
