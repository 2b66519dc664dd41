import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** How the Hub identifies a file's content: LFS files by sha256, small files by their git blob sha1. */
export type Checksum = { algorithm: 'sha256'; value: string } | { algorithm: 'git-sha1'; value: string };

async function digest(hash: Hash, path: string): Promise<string> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileChecksum(path: string, algorithm: Checksum['algorithm']): Promise<string> {
  if (algorithm === 'sha256') return digest(createHash('sha256'), path);
  const { size } = await stat(path);
  const hash = createHash('sha1');
  hash.update(`blob ${size}\0`);
  return digest(hash, path);
}

export function describeChecksum(c: Checksum): string {
  return `${c.algorithm === 'sha256' ? 'sha256' : 'git sha1'} ${c.value}`;
}
