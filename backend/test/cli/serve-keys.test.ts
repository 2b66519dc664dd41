import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';
import { freePort, serve } from './serve-process';

const KEY = 'cli-test-key-0123456789abcdef';
const hashOf = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
let dir: string;
let keyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-serve-keys-'));
  keyFile = join(dir, 'keys.json');
  await writeFile(keyFile, JSON.stringify({ keys: [{ name: 'ci', hash: hashOf(KEY) }] }));
  await chmod(keyFile, 0o600);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('earshot serve with API keys', () => {
  it('refuses to listen on 0.0.0.0 without keys, in one line, before loading a model', async () => {
    const result = await runCli(['serve', '--model', 'tiny-en', '--host', '0.0.0.0', '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('serving');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^earshot: refusing to listen on 0\.0\.0\.0 without API keys: .*--api-keys <file>.*--insecure-no-auth/,
    );
  });

  it.each([
    { how: '--api-keys', flags: () => ['--api-keys', keyFile], env: () => ({}) },
    { how: 'EARSHOT_API_KEYS_FILE', flags: () => [], env: () => ({ EARSHOT_API_KEYS_FILE: keyFile }) },
  ])('checks keys given by $how on every route but /health', async ({ flags, env }) => {
    const port = String(await freePort());
    const server = await serve(['--model', 'tiny-en', '--vad', 'off', '--port', port, ...flags()], {
      EARSHOT_CACHE_DIR: dir,
      ...env(),
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
    const withKey = await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(withKey.status).toBe(200);
    expect(await withKey.json()).toMatchObject({ key: 'ci' });
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toContain('WARNING: API key file');
    expect(server.stderr()).not.toContain(KEY);
    expect(server.stdout).not.toContain(KEY);
  });

  it('warns when other users of the machine can read the key file', async () => {
    const readable = join(dir, 'readable.json');
    await writeFile(readable, JSON.stringify({ keys: [{ name: 'ci', hash: hashOf(KEY) }] }));
    await chmod(readable, 0o644);
    const server = await serve(['--model', 'tiny-en', '--vad', 'off', '--port', String(await freePort())], {
      EARSHOT_CACHE_DIR: dir,
      EARSHOT_API_KEYS_FILE: readable,
    });
    expect(server.stderr()).toMatch(
      /WARNING: API key file .*readable\.json can be read by other users.*chmod 600/,
    );
    expect(await server.stop()).toBe(0);
  });

  it('warns, with the command that hashes them, when the key file holds keys in clear text', async () => {
    const plain = join(dir, 'plain.json');
    await writeFile(plain, JSON.stringify({ keys: [{ name: 'ci', key: KEY }] }), { mode: 0o600 });
    const server = await serve(['--model', 'tiny-en', '--vad', 'off', '--port', String(await freePort())], {
      EARSHOT_CACHE_DIR: dir,
      EARSHOT_API_KEYS_FILE: plain,
    });
    expect(server.stderr()).toContain(
      `WARNING: API key file ${plain} holds 1 key(s) in clear text (ci); keep only their hashes: earshot keys hash --file ${plain}`,
    );
    const withKey = await fetch(`${server.url}/v1/usage`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(withKey.status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('stops at start, in one line, on a key file it cannot use', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ keys: [{ name: 'ci', key: 'short' }] }));
    const result = await runCli(['serve', '--model', 'tiny-en', '--port', '0', '--api-keys', bad]);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^earshot: API key file .*bad\.json: keys\.0\.key: a key is at least 16/);
  });
});
