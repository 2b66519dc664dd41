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
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without API keys: anyone who can reach that address could use the server. ` +
        'Give --api-keys <file> (or EARSHOT_API_KEYS_FILE), or --insecure-no-auth to serve it open anyway',
    );
    this.name = 'OpenBindingError';
  }
}

/**
 * A server reachable from other machines needs keys, unless its operator says in so many words that
 * it should be open.
 */
export function checkBinding(host: string, options: { keys: boolean; insecureNoAuth: boolean }): void {
  if (options.keys || options.insecureNoAuth || isLoopbackHost(host)) return;
  throw new OpenBindingError(host);
}
