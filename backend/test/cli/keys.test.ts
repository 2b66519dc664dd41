import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApiKeyFile } from '../../src/server/api-keys';
import { lines, runCli } from './run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-keys-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('earshot keys', () => {
  it('adds random named keys to a file only its owner can read, shows each key once, and lists names only', async () => {
    const file = join(dir, 'keys.json');
    const alice = await runCli(['keys', 'add', 'alice', '--file', file]);
    expect(alice.code, alice.stderr).toBe(0);
    const aliceKey = alice.stdout.trim();
    expect(aliceKey).toMatch(/^es-[A-Za-z0-9_-]{32}$/);
    expect(alice.stderr).toContain('added key "alice"');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const bob = await runCli(['keys', 'add', 'bob'], { EARSHOT_API_KEYS_FILE: file });
    const bobKey = bob.stdout.trim();
    expect(bobKey).not.toBe(aliceKey);

    const keys = await readApiKeyFile(file);
    expect(keys.identify(aliceKey)).toBe('alice');
    expect(keys.identify(bobKey)).toBe('bob');

    // The file keeps hashes only: whoever reads it learns no key.
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(aliceKey);
    expect(text).not.toContain(bobKey);
    expect(JSON.parse(text).keys).toEqual([
      { name: 'alice', hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
      { name: 'bob', hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    ]);

    const listed = await runCli(['keys', 'list', '--file', file]);
    expect(lines(listed.stdout)).toEqual(['alice', 'bob']);
    expect(listed.stdout).not.toContain(aliceKey);
  });

  it('hashes the keys of a file written in clear text, keeping its permissions, and the keys still work', async () => {
    const file = join(dir, 'plain.json');
    const plain = 'plain-key-0123456789abcdef';
    await writeFile(file, JSON.stringify({ keys: [{ name: 'carol', key: plain }] }), { mode: 0o640 });
    const added = await runCli(['keys', 'add', 'dave', '--file', file]);
    expect(added.stderr).toContain(
      `still holds 1 key(s) in clear text; hash them: earshot keys hash --file ${file}`,
    );

    const hashed = await runCli(['keys', 'hash', '--file', file]);
    expect(hashed.code, hashed.stderr).toBe(0);
    expect(lines(hashed.stderr)).toEqual([
      expect.stringMatching(/hashed 1 key\(s\) in .*plain\.json \(carol\)/),
    ]);
    expect(await readFile(file, 'utf8')).not.toContain(plain);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const keys = await readApiKeyFile(file);
    expect(keys.identify(plain)).toBe('carol');
    expect(keys.identify(added.stdout.trim())).toBe('dave');

    const again = await runCli(['keys', 'hash', '--file', file]);
    expect(again.stderr).toContain('holds no key in clear text; nothing to do');
  });

  it('refuses a name already in the file, or one that is not a name, and leaves the file as it was', async () => {
    const file = join(dir, 'taken.json');
    await runCli(['keys', 'add', 'alice', '--file', file]);
    const before = await readFile(file, 'utf8');

    const again = await runCli(['keys', 'add', 'alice', '--file', file]);
    expect(again.code).not.toBe(0);
    expect(lines(again.stderr)).toEqual([expect.stringMatching(/already has a key named "alice"/)]);
    const spaced = await runCli(['keys', 'add', 'a b', '--file', file]);
    expect(spaced.stderr).toMatch(/^earshot: key name "a b": a name is 1 to 64/);
    expect(await readFile(file, 'utf8')).toBe(before);

    const nowhere = await runCli(['keys', 'list'], { EARSHOT_API_KEYS_FILE: '' });
    expect(nowhere.stderr).toMatch(/--file <keys\.json> \(or set EARSHOT_API_KEYS_FILE\)/);
  });

  it('revokes a key by name: the file no longer accepts it, and keeps at least one key', async () => {
    const file = join(dir, 'revoke.json');
    const alice = (await runCli(['keys', 'add', 'alice', '--file', file])).stdout.trim();
    const bob = (await runCli(['keys', 'add', 'bob', '--file', file])).stdout.trim();
    const revoked = await runCli(['keys', 'revoke', 'alice', '--file', file]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const keys = await readApiKeyFile(file);
    expect(keys.identify(alice)).toBeUndefined();
    expect(keys.identify(bob)).toBe('bob');

    const unknown = await runCli(['keys', 'revoke', 'alice', '--file', file]);
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/has no key named "alice"/)]);
    const last = await runCli(['keys', 'revoke', 'bob', '--file', file]);
    expect(last.code).not.toBe(0);
    expect(last.stderr).toMatch(/"bob" is the last key/);
    expect((await readApiKeyFile(file)).identify(bob)).toBe('bob');
  });

  it('says a cluster Redis that cannot be reached in one line', async () => {
    const down = await runCli(['keys', 'list', '--redis', 'redis://127.0.0.1:1']);
    expect(down.code).not.toBe(0);
    expect(lines(down.stderr)).toEqual([
      expect.stringMatching(/^earshot: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/),
    ]);
    const wrong = await runCli(['keys', 'list', '--redis', 'http://x']);
    expect(lines(wrong.stderr)).toEqual([
      expect.stringMatching(/--redis must be a redis:\/\/ or rediss:\/\/ URL/),
    ]);
  });
});
