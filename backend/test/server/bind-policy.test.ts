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

  it('is refused without keys, allowed with keys or when told --insecure-no-auth', () => {
    expect(() => checkBinding('0.0.0.0', { keys: false, insecureNoAuth: false })).toThrow(
      /refusing to listen on 0\.0\.0\.0 without API keys.*--api-keys <file>.*--insecure-no-auth/,
    );
    expect(() => checkBinding('0.0.0.0', { keys: true, insecureNoAuth: false })).not.toThrow();
    expect(() => checkBinding('192.168.1.20', { keys: false, insecureNoAuth: true })).not.toThrow();
    expect(() => checkBinding('127.0.0.1', { keys: false, insecureNoAuth: false })).not.toThrow();
  });
});
