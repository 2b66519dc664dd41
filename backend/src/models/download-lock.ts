import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Another live process is downloading the same model; two writers would corrupt each other's `.part` files. */
export class DownloadInProgressError extends Error {
  override name = 'DownloadInProgressError';
}

const LOCK_FILE = '.download.lock';
/** How often the holder touches its lock, so that processes on other hosts can tell it is alive. */
const HEARTBEAT_MS = 5_000;
/** A lock from another host (a container sharing the models volume) untouched this long is taken over. */
export const STALE_LOCK_MS = 30_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the lock's holder still works: on this host its process is alive; on another (where its
 * pid means nothing here: every container's server is process 1) it touched the lock lately.
 */
async function holderAlive(lock: string, pid: number, host: string | undefined): Promise<boolean> {
  if (host === undefined || host === hostname()) return pid > 0 && isAlive(pid);
  const touched = await stat(lock).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return Date.now() - touched < STALE_LOCK_MS;
}

/**
 * Runs `work` holding `<dir>/.download.lock` ("pid host", touched while it runs); a lock left by a
 * process that died is taken over.
 */
export async function withDownloadLock<T>(dir: string, modelId: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, `${process.pid} ${hostname()}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const [pidText = '', host] = (await readFile(lock, 'utf8').catch(() => '')).trim().split(/\s+/);
      const pid = Number.parseInt(pidText, 10);
      if (await holderAlive(lock, pid, host)) {
        const where = host && host !== hostname() ? ` on host ${host}` : '';
        throw new DownloadInProgressError(
          `model ${modelId} is already being downloaded by process ${pid}${where}; wait for it to finish ` +
            `(or delete ${lock} if no download is running)`,
        );
      }
      await rm(lock, { force: true });
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lock, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await rm(lock, { force: true });
  }
}
