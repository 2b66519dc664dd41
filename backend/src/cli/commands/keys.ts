import { randomBytes } from 'node:crypto';
import { chown, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  ClearEntrySchema,
  hashedEntry,
  type KeyEntry,
  keysInClear,
  readKeyEntries,
} from '../../server/api-keys';
import { writeFileAtomic } from '../../server/atomic-write';

export interface KeysOptions {
  /** Key file; EARSHOT_API_KEYS_FILE when not given. */
  file?: string;
  /** A cluster's Redis, whose keys every worker shares, instead of a file. */
  redis?: string;
}

/** Runs `use` on the cluster's Redis named by --redis, or returns undefined without it. */
async function withClusterRedis<T>(
  options: KeysOptions,
  use: (redis: import('ioredis').Redis) => Promise<T>,
): Promise<T | undefined> {
  if (options.redis === undefined) return undefined;
  if (options.file !== undefined) throw new Error('give --file or --redis, not both');
  const { connectRedis } = await import('../../cluster/redis-connection');
  const redis = await connectRedis(options.redis, 'earshot:keys-command');
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

function newKey(name: string): { name: string; key: string } {
  const entry = ClearEntrySchema.safeParse({ name, key: `es-${randomBytes(24).toString('base64url')}` });
  if (!entry.success) throw new Error(`key name "${name}": ${entry.error.issues[0]?.message}`);
  return entry.data;
}

function keyFilePath(options: KeysOptions): string {
  const file = options.file ?? (process.env.EARSHOT_API_KEYS_FILE?.trim() || undefined);
  if (!file) throw new Error('say which key file: --file <keys.json> (or set EARSHOT_API_KEYS_FILE)');
  return resolve(file);
}

/**
 * Writes the key file whole or not at all. A new file is readable by its owner only; an existing one
 * keeps its owner and permissions, since a service account may be the one reading it.
 */
async function writeKeyFile(file: string, keys: readonly KeyEntry[]): Promise<void> {
  const before = await stat(file).catch(() => null);
  await writeFileAtomic(file, `${JSON.stringify({ keys }, null, 2)}\n`, before ? before.mode & 0o777 : 0o600);
  if (!before) return;
  await chown(file, before.uid, before.gid).catch((error: NodeJS.ErrnoException) =>
    process.stderr.write(
      `earshot: WARNING: ${file} is now owned by this user (${error.code}); chown it back\n`,
    ),
  );
}

/** The command that turns a key file's keys in clear text into hashes, for messages. */
export function hashKeysCommandLine(file: string): string {
  return `earshot keys hash --file ${file}`;
}

/**
 * Adds a new random key under `name` to the key file (creating it, readable by its owner only),
 * which keeps only its hash, and prints the key on stdout: this is the only time it is shown.
 */
export async function addKeyCommand(name: string, options: KeysOptions): Promise<void> {
  const entry = newKey(name);
  const inRedis = await withClusterRedis(options, async (redis) => {
    const { addClusterKey } = await import('../../cluster/redis-keys');
    if (!(await addClusterKey(redis, hashedEntry(entry)))) {
      throw new Error(`the cluster already has a key named "${name}"; pick another name`);
    }
    process.stderr.write(`earshot: added key "${name}" to the cluster; it is shown only this once\n`);
    return true;
  });
  if (inRedis) {
    process.stdout.write(`${entry.key}\n`);
    return;
  }
  const file = keyFilePath(options);
  const keys = (await stat(file).catch(() => null)) ? await readKeyEntries(file) : [];
  if (keys.some((k) => k.name === name)) {
    throw new Error(`the key file ${file} already has a key named "${name}"; pick another name`);
  }
  await writeKeyFile(file, [...keys, hashedEntry(entry)]);
  process.stderr.write(`earshot: added key "${name}" to ${file}; it is shown only this once\n`);
  const inClear = keysInClear(keys);
  if (inClear.length > 0) {
    process.stderr.write(
      `earshot: WARNING: ${file} still holds ${inClear.length} key(s) in clear text; hash them: ${hashKeysCommandLine(file)}\n`,
    );
  }
  process.stdout.write(`${entry.key}\n`);
}

/** Removes the key named `name`: requests with it are refused from then on (by every worker, within seconds). */
export async function revokeKeyCommand(name: string, options: KeysOptions): Promise<void> {
  const inRedis = await withClusterRedis(options, async (redis) => {
    const { revokeClusterKey } = await import('../../cluster/redis-keys');
    if (!(await revokeClusterKey(redis, name))) throw new Error(`the cluster has no key named "${name}"`);
    return true;
  });
  if (!inRedis) {
    const file = keyFilePath(options);
    const keys = await readKeyEntries(file);
    if (!keys.some((k) => k.name === name))
      throw new Error(`the key file ${file} has no key named "${name}"`);
    if (keys.length === 1) {
      throw new Error(`"${name}" is the last key in ${file}; a key file lists at least one key`);
    }
    await writeKeyFile(
      file,
      keys.filter((k) => k.name !== name),
    );
  }
  process.stderr.write(`earshot: revoked key "${name}"\n`);
}

/** Replaces every key the file holds in clear text by its hash; the keys keep working. */
export async function hashKeysCommand(options: KeysOptions): Promise<void> {
  const file = keyFilePath(options);
  const keys = await readKeyEntries(file);
  const inClear = keysInClear(keys);
  if (inClear.length === 0) {
    process.stderr.write(`earshot: ${file} holds no key in clear text; nothing to do\n`);
    return;
  }
  await writeKeyFile(file, keys.map(hashedEntry));
  process.stderr.write(
    `earshot: hashed ${inClear.length} key(s) in ${file} (${inClear.join(', ')}); they still work, and the file no longer holds them\n`,
  );
}

/** Lists the names in the key file, never the keys. */
export async function listKeysCommand(options: KeysOptions): Promise<void> {
  const inRedis = await withClusterRedis(options, async (redis) => {
    const { clusterKeys } = await import('../../cluster/redis-keys');
    return clusterKeys(redis);
  });
  for (const { name } of inRedis ?? (await readKeyEntries(keyFilePath(options)))) {
    process.stdout.write(`${name}\n`);
  }
}
