import { createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Checksum, describeChecksum, fileChecksum } from './checksum';
import { ChecksumMismatchError, DownloadError } from './errors';
import { httpGet, httpStatusError } from './http';
import { type DownloadProgress, silentProgress } from './progress';

export interface DownloadFileOptions {
  url: string;
  dest: string;
  /** Expected size in bytes, when the source lists it. */
  size?: number;
  checksum: Checksum;
  token?: string;
  progress?: DownloadProgress;
  /** Further attempts after a dropped connection; each resumes where the last one stopped. */
  retries?: number;
  retryDelayMs?: number;
  /** Abort an attempt when no byte arrives for this long. */
  stallTimeoutMs?: number;
}

const NOT_RETRYABLE_FS_CODES = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT']);

function isRetryable(err: unknown): boolean {
  if (err instanceof DownloadError) return err.retryable;
  const code = (err as NodeJS.ErrnoException)?.code;
  return !(code && NOT_RETRYABLE_FS_CODES.has(code));
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** One attempt: continues `<dest>.part` with a Range request, or starts it over if the server ignores Range. */
async function fetchIntoPart(
  o: DownloadFileOptions,
  part: string,
  progress: DownloadProgress,
): Promise<void> {
  let have = await sizeOf(part);
  if (o.size !== undefined && have > o.size) {
    await truncate(part, 0);
    have = 0;
  }
  if (o.size !== undefined && have === o.size) return;

  const controller = new AbortController();
  const stallMs = o.stallTimeoutMs ?? 60_000;
  let stallTimer = setTimeout(() => controller.abort(), stallMs);
  const resetStallTimer = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => controller.abort(), stallMs);
  };
  try {
    const response = await httpGet(o.url, {
      ...(o.token ? { token: o.token } : {}),
      headers: have > 0 ? { range: `bytes=${have}-` } : {},
      signal: controller.signal,
    });
    if (response.status === 416) {
      await response.body?.cancel();
      await truncate(part, 0);
      throw new DownloadError(`${o.url} refused to resume at byte ${have}; starting over`, true);
    }
    if (!response.ok || !response.body) throw httpStatusError(o.url, response);

    let append = false;
    if (response.status === 206) {
      const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
      if (start !== have) {
        await response.body.cancel();
        await truncate(part, 0);
        throw new DownloadError(`${o.url} resumed at the wrong byte; starting over`, true);
      }
      append = true;
    }
    progress.start(basename(o.dest), o.size, append ? have : 0);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        resetStallTimer();
        progress.advance(chunk.length);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      counter,
      createWriteStream(part, { flags: append ? 'a' : 'w' }),
    );
  } finally {
    clearTimeout(stallTimer);
  }
}

function interrupted(o: DownloadFileOptions, err: unknown): DownloadError {
  if (err instanceof DownloadError) return err;
  const reason = (err as Error)?.name === 'AbortError' ? 'no data for too long' : (err as Error)?.message;
  return new DownloadError(
    `download of ${basename(o.dest)} from ${new URL(o.url).origin} was interrupted (${reason}); run it again to resume`,
    true,
  );
}

/**
 * Downloads `url` to `dest` through `<dest>.part`: resumes a previous partial download, retries
 * dropped connections, verifies size and checksum, and only then renames the file into place.
 * A file whose bytes do not match is deleted and a ChecksumMismatchError thrown.
 */
export async function downloadFile(o: DownloadFileOptions): Promise<void> {
  const part = `${o.dest}.part`;
  const progress = o.progress ?? silentProgress;
  const retries = o.retries ?? 4;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchIntoPart(o, part, progress);
      break;
    } catch (err) {
      if (!isRetryable(err)) throw err;
      if (attempt >= retries) throw interrupted(o, err);
      await new Promise((r) => setTimeout(r, (o.retryDelayMs ?? 1000) * 2 ** attempt));
    } finally {
      progress.end();
    }
  }

  const name = basename(o.dest);
  const got = await sizeOf(part);
  if (o.size !== undefined && got !== o.size) {
    await rm(part, { force: true });
    throw new ChecksumMismatchError(
      `${name} from ${o.url} is ${got} bytes, expected ${o.size}; the download was deleted, run it again`,
    );
  }
  const actual = await fileChecksum(part, o.checksum.algorithm);
  if (actual !== o.checksum.value) {
    await rm(part, { force: true });
    throw new ChecksumMismatchError(
      `${name} from ${o.url} is corrupt: expected ${describeChecksum(o.checksum)}, got ${actual}; ` +
        'the download was deleted, run it again',
    );
  }
  await rename(part, o.dest);
}
