import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysInClear, readApiKeyFile, readKeyEntries } from '../../src/server/api-keys';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-keys-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function keyFile(content: unknown): Promise<string> {
  const file = join(dir, `keys-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const hashOf = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

describe('the API key file', () => {
  it('keeps hashes of keys, and still reads keys written in clear text by earlier versions', async () => {
    const file = await keyFile({
      keys: [
        { name: 'alice', hash: hashOf('alice-key-0123456789') },
        { name: 'old', key: 'old-plain-key-0123456789' },
      ],
    });
    const keys = await readApiKeyFile(file);
    expect(keys.identify('alice-key-0123456789')).toBe('alice');
    expect(keys.identify(hashOf('alice-key-0123456789'))).toBeUndefined();
    expect(keys.identify('old-plain-key-0123456789')).toBe('old');
    expect(keysInClear(await readKeyEntries(file))).toEqual(['old']);
  });

  it('names the key presented, and nobody for a wrong, shorter or longer one', async () => {
    const keys = await readApiKeyFile(
      await keyFile({
        keys: [
          { name: 'alice', key: 'alice-key-0123456789' },
          { name: 'bob', key: 'bob-key-0123456789ab' },
        ],
      }),
    );
    expect(keys.names).toEqual(['alice', 'bob']);
    expect(keys.identify('alice-key-0123456789')).toBe('alice');
    expect(keys.identify('bob-key-0123456789ab')).toBe('bob');
    expect(keys.identify('alice-key-012345678')).toBeUndefined();
    expect(keys.identify('alice-key-0123456789x')).toBeUndefined();
    expect(keys.identify('')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{keys: [', /is not JSON/],
    ['no keys', { keys: [] }, /list at least one key/],
    ['a short key', { keys: [{ name: 'a', key: 'short' }] }, /keys\.0\.key: a key is at least 16 characters/],
    ['a bad name', { keys: [{ name: 'a b', key: 'k'.repeat(20) }] }, /keys\.0\.name: a name is 1 to 64/],
    [
      'an unknown field',
      { keys: [{ name: 'a', key: 'k'.repeat(20), admin: true }] },
      /keys\.0: Unrecognized key/,
    ],
    [
      'a repeated name',
      {
        keys: [
          { name: 'a', key: 'k'.repeat(20) },
          { name: 'a', key: 'j'.repeat(20) },
        ],
      },
      /the name "a" is given twice/,
    ],
    [
      'a repeated key',
      {
        keys: [
          { name: 'a', key: 'k'.repeat(20) },
          { name: 'b', key: 'k'.repeat(20) },
        ],
      },
      /keys\.1 repeats an earlier key/,
    ],
    [
      'a key in clear text repeating a hashed one',
      {
        keys: [
          { name: 'a', hash: hashOf('k'.repeat(20)) },
          { name: 'b', key: 'k'.repeat(20) },
        ],
      },
      /keys\.1 repeats an earlier key/,
    ],
    [
      'a hash that is not one',
      { keys: [{ name: 'a', hash: 'md5:abc' }] },
      /keys\.0\.hash: a hash is "sha256:" and 64 hex digits/,
    ],
    ['an entry with neither', { keys: [{ name: 'a' }] }, /keys\.0\.hash: Required/],
  ])('is refused with a message that says what is wrong: %s', async (_case, content, message) => {
    const file = await keyFile(content);
    const error = await readApiKeyFile(file).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`API key file ${file}: `);
    expect((error as Error).message).toMatch(message);
  });

  it('is refused when missing, naming the path', async () => {
    await expect(readApiKeyFile(join(dir, 'absent.json'))).rejects.toThrow(/absent\.json: no such file/);
  });
});
