import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';

/** Shortest key accepted: 16 characters leave no room for guessing over a network. */
export const MIN_KEY_LENGTH = 16;

const NAME = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a name is 1 to 64 letters, digits, dots, dashes or underscores');

/** A key as a client sends it. */
export const KeySchema = z
  .string()
  .min(MIN_KEY_LENGTH, `a key is at least ${MIN_KEY_LENGTH} characters`)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'a key is printable ASCII without spaces');

/**
 * How the file keeps a key: its SHA-256 digest. The keys `earshot keys add` makes are 192 random
 * bits, which no digest search can find, so a fast hash is enough, and it keeps checking a request
 * against every key cheap.
 */
export const HASH_PREFIX = 'sha256:';

const HashedEntrySchema = z
  .object({
    name: NAME,
    hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a hash is "sha256:" and 64 hex digits'),
  })
  .strict();
export const ClearEntrySchema = z.object({ name: NAME, key: KeySchema }).strict();

const KeyFileSchema = z.object({ keys: z.array(z.unknown()).min(1, 'list at least one key') }).strict();

export type HashedKeyEntry = z.infer<typeof HashedEntrySchema>;
/** A named key as the file holds it: hashed, or (files written before hashing, by hand) in clear. */
export type KeyEntry = HashedKeyEntry | z.infer<typeof ClearEntrySchema>;

/** The entry a file should hold for a key: its name and digest. */
export function hashedEntry(entry: KeyEntry): HashedKeyEntry {
  return 'hash' in entry
    ? entry
    : { name: entry.name, hash: `${HASH_PREFIX}${sha256(entry.key).toString('hex')}` };
}

export class ApiKeyFileError extends Error {
  constructor(path: string, problem: string) {
    super(`API key file ${path}: ${problem}`);
    this.name = 'ApiKeyFileError';
  }
}

/** Names the key a request presents: a key file's keys, or the keys a cluster shares. */
export interface KeyRing {
  identify(presented: string): string | undefined;
}

/** The named keys a server accepts; only their SHA-256 digests are kept in memory. */
export class ApiKeys implements KeyRing {
  private readonly digests: { name: string; digest: Buffer }[];

  constructor(entries: readonly KeyEntry[]) {
    this.digests = entries.map((entry) => {
      const { name, hash } = hashedEntry(entry);
      return { name, digest: Buffer.from(hash.slice(HASH_PREFIX.length), 'hex') };
    });
  }

  get names(): string[] {
    return this.digests.map((d) => d.name);
  }

  /**
   * The name of the key presented, or undefined. Digests have one length whatever was sent, and every
   * key is compared in constant time without stopping at a match, so timing says nothing about a key.
   */
  identify(presented: string): string | undefined {
    const digest = sha256(presented);
    let found: string | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.name;
    }
    return found;
  }
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Reads a key file: JSON `{"keys": [{"name": "alice", "hash": "sha256:<hex>"}, ...]}`, where an
 * entry may also hold the key itself (`"key"`, files from before keys were hashed). Names and keys
 * must each be unique. Any problem is an ApiKeyFileError naming the file and the entry.
 */
export async function readApiKeyFile(path: string): Promise<ApiKeys> {
  return new ApiKeys(await readKeyEntries(path));
}

/** Names of the entries that hold a key in clear text rather than its hash. */
export function keysInClear(entries: readonly KeyEntry[]): string[] {
  return entries.filter((e) => 'key' in e).map((e) => e.name);
}

/** The named keys of a key file, validated as `readApiKeyFile` does. */
export async function readKeyEntries(path: string): Promise<KeyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ApiKeyFileError(path, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? error})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ApiKeyFileError(path, `is not JSON (${(error as Error).message})`);
  }
  const expected = '(expected {"keys": [{"name": "...", "hash": "sha256:..."}]})';
  const file = KeyFileSchema.safeParse(json);
  if (!file.success) throw new ApiKeyFileError(path, `${describeIssue(file.error.issues[0])} ${expected}`);
  const keys = file.data.keys.map((entry, i) => {
    // An entry with a `key` is one in clear text; its problems are told as such.
    const inClear = typeof entry === 'object' && entry !== null && 'key' in entry;
    const parsed = (inClear ? ClearEntrySchema : HashedEntrySchema).safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiKeyFileError(
        path,
        `${describeIssue(issue && { ...issue, path: ['keys', i, ...issue.path] })} ${expected}`,
      );
    }
    return parsed.data;
  });
  const repeated = (values: string[]) => values.find((v, i) => values.indexOf(v) !== i);
  const name = repeated(keys.map((k) => k.name));
  if (name !== undefined) throw new ApiKeyFileError(path, `the name "${name}" is given twice`);
  const hashes = keys.map((k) => hashedEntry(k).hash);
  const keyIndex = hashes.findIndex((h, i) => hashes.indexOf(h) !== i);
  if (keyIndex >= 0) throw new ApiKeyFileError(path, `keys.${keyIndex} repeats an earlier key`);
  return keys;
}

function describeIssue(issue: z.ZodIssue | undefined): string {
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue?.message ?? 'invalid'}`;
}
/** A warning when other users of the machine can read the key file (POSIX permissions only). */
export async function keyFileExposure(path: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return undefined;
  return `API key file ${path} can be read by other users of this machine; chmod 600 it`;
}
