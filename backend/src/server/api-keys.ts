import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';

/** Shortest key accepted: 16 characters leave no room for guessing over a network. */
export const MIN_KEY_LENGTH = 16;

/** One named key as the file holds it. */
export const KeyEntrySchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a name is 1 to 64 letters, digits, dots, dashes or underscores'),
    key: z
      .string()
      .min(MIN_KEY_LENGTH, `a key is at least ${MIN_KEY_LENGTH} characters`)
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'a key is printable ASCII without spaces'),
  })
  .strict();

const KeyFileSchema = z.object({ keys: z.array(KeyEntrySchema).min(1, 'list at least one key') }).strict();

export type KeyEntry = z.infer<typeof KeyEntrySchema>;

export class ApiKeyFileError extends Error {
  constructor(path: string, problem: string) {
    super(`API key file ${path}: ${problem}`);
    this.name = 'ApiKeyFileError';
  }
}

/** The named keys a server accepts; only their SHA-256 digests are kept in memory. */
export class ApiKeys {
  private readonly digests: { name: string; digest: Buffer }[];

  constructor(entries: readonly { name: string; key: string }[]) {
    this.digests = entries.map(({ name, key }) => ({ name, digest: sha256(key) }));
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

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Reads a key file: JSON `{"keys": [{"name": "alice", "key": "<at least 16 characters>"}, ...]}`.
 * Names and keys must each be unique. Any problem is an ApiKeyFileError naming the file and the entry.
 */
export async function readApiKeyFile(path: string): Promise<ApiKeys> {
  return new ApiKeys(await readKeyEntries(path));
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
  const parsed = KeyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new ApiKeyFileError(
      path,
      `${where}${issue?.message ?? 'invalid'} (expected {"keys": [{"name": "...", "key": "..."}]})`,
    );
  }
  const { keys } = parsed.data;
  const repeated = (values: string[]) => values.find((v, i) => values.indexOf(v) !== i);
  const name = repeated(keys.map((k) => k.name));
  if (name !== undefined) throw new ApiKeyFileError(path, `the name "${name}" is given twice`);
  const keyIndex = keys.findIndex((k, i) => keys.findIndex((o) => o.key === k.key) !== i);
  if (keyIndex >= 0) throw new ApiKeyFileError(path, `keys.${keyIndex}.key repeats an earlier key`);
  return keys;
}

/** A warning when other users of the machine can read the key file (POSIX permissions only). */
export async function keyFileExposure(path: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined;
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return undefined;
  return `API key file ${path} can be read by other users of this machine; chmod 600 it`;
}
