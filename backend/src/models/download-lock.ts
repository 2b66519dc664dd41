import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Another live process is downloading the same model; two writers would corrupt each other's `.part` files. */
export class DownloadInProgressError extends Error {
  override name = 'DownloadInProgressError';
}

const LOCK_FILE = '.download.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `work` holding `<dir>/.download.lock` (the holder's pid); a lock left by a dead process is taken over. */
export async function withDownloadLock<T>(dir: string, modelId: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      if (holder > 0 && isAlive(holder)) {
        throw new DownloadInProgressError(
          `model ${modelId} is already being downloaded by process ${holder}; wait for it to finish ` +
            `(or delete ${lock} if no download is running)`,
        );
      }
      await rm(lock, { force: true });
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}
