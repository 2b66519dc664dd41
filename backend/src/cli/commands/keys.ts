import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeyEntrySchema, readKeyEntries } from '../../server/api-keys';
import { writeFileAtomic } from '../../server/atomic-write';

export interface KeysOptions {
  /** Key file; EARSHOT_API_KEYS_FILE when not given. */
  file?: string;
}

function keyFilePath(options: KeysOptions): string {
  const file = options.file ?? (process.env.EARSHOT_API_KEYS_FILE?.trim() || undefined);
  if (!file) throw new Error('say which key file: --file <keys.json> (or set EARSHOT_API_KEYS_FILE)');
  return resolve(file);
}

/**
 * Adds a new random key under `name` to the key file (creating it, readable by its owner only) and
 * prints the key on stdout: this is the only time it is shown.
 */
export async function addKeyCommand(name: string, options: KeysOptions): Promise<void> {
  const file = keyFilePath(options);
  const keys = (await stat(file).catch(() => null)) ? await readKeyEntries(file) : [];
  const entry = KeyEntrySchema.safeParse({ name, key: `es-${randomBytes(24).toString('base64url')}` });
  if (!entry.success) throw new Error(`key name "${name}": ${entry.error.issues[0]?.message}`);
  if (keys.some((k) => k.name === name)) {
    throw new Error(`the key file ${file} already has a key named "${name}"; pick another name`);
  }
  const updated = { keys: [...keys, entry.data] };
  await writeFileAtomic(file, `${JSON.stringify(updated, null, 2)}\n`, 0o600);
  process.stderr.write(`earshot: added key "${name}" to ${file}; it is shown only this once\n`);
  process.stdout.write(`${entry.data.key}\n`);
}

/** Lists the names in the key file, never the keys. */
export async function listKeysCommand(options: KeysOptions): Promise<void> {
  for (const { name } of await readKeyEntries(keyFilePath(options))) process.stdout.write(`${name}\n`);
}
