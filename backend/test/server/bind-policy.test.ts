import { describe, expect, it } from 'vitest';
import { checkBinding, isLoopbackHost } from '../../src/server/bind-policy';

describe('binding beyond loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', 'fe80::1', 'my-laptop.lan'])(
    '%s is reachable from elsewhere',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );

  const safety = { keys: false, insecureNoAuth: false, tls: false, behindProxy: false };

  it('is refused without keys, allowed with keys or when told --insecure-no-auth', () => {
    expect(() => checkBinding('0.0.0.0', { ...safety, tls: true })).toThrow(
      /refusing to listen on 0\.0\.0\.0 without API keys.*--api-keys <file>.*--insecure-no-auth/,
    );
    expect(() => checkBinding('0.0.0.0', { ...safety, keys: true, tls: true })).not.toThrow();
    expect(() => checkBinding('192.168.1.20', { ...safety, insecureNoAuth: true, tls: true })).not.toThrow();
    expect(() => checkBinding('127.0.0.1', safety)).not.toThrow();
  });

  it('is refused on plain HTTP unless a TLS proxy is in front', () => {
    expect(() => checkBinding('0.0.0.0', { ...safety, keys: true })).toThrow(
      /refusing to serve plain HTTP on 0\.0\.0\.0: .*--tls-cert <file> --tls-key <file>.*--behind-proxy/,
    );
    expect(() => checkBinding('::', { ...safety, insecureNoAuth: true })).toThrow(/plain HTTP/);
    expect(() => checkBinding('0.0.0.0', { ...safety, keys: true, behindProxy: true })).not.toThrow();
    expect(() => checkBinding('localhost', { ...safety, keys: true })).not.toThrow();
  });
});
