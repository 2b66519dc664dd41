import type { Redis } from 'ioredis';
import { ApiKeys, type HashedKeyEntry, type KeyRing } from '../server/api-keys';
import { KEY_PREFIX } from './redis-connection';

const KEYS = `${KEY_PREFIX}:keys`;
/** Told on every change, so the other workers read the keys again at once. */
export const KEYS_CHANGED = `${KEY_PREFIX}:keys:changed`;
/** Read again this often too, in case a change was told while a worker was reconnecting. */
const REFRESH_MS = 2000;
const HASH = /^sha256:[0-9a-f]{64}$/;

/** The API keys a cluster shares: names and SHA-256 digests in one Redis hash. */
export class RedisKeyRing implements KeyRing {
  private keys = new ApiKeys([]);
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly redis: Redis) {
    this.timer = setInterval(() => void this.refresh().catch(() => {}), REFRESH_MS);
    this.timer.unref();
  }

  /** Reads the keys now and follows their changes (told on `subscriber`) until `close`. */
  static async open(redis: Redis, subscriber: Redis): Promise<RedisKeyRing> {
    const ring = new RedisKeyRing(redis);
    await ring.refresh();
    subscriber.on('message', (channel: string) => {
      if (channel === KEYS_CHANGED) void ring.refresh().catch(() => {});
    });
    await subscriber.subscribe(KEYS_CHANGED);
    return ring;
  }

  get count(): number {
    return this.keys.names.length;
  }

  identify(presented: string): string | undefined {
    return this.keys.identify(presented);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    this.keys = new ApiKeys(await clusterKeys(this.redis));
  }
}

export async function clusterKeys(redis: Redis): Promise<HashedKeyEntry[]> {
  const all = await redis.hgetall(KEYS);
  return Object.entries(all)
    .filter(([, hash]) => HASH.test(hash))
    .map(([name, hash]) => ({ name, hash }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Adds a key; false when the name is taken. Every worker accepts it within seconds. */
export async function addClusterKey(redis: Redis, entry: HashedKeyEntry): Promise<boolean> {
  const added = await redis.hsetnx(KEYS, entry.name, entry.hash);
  if (added) await redis.publish(KEYS_CHANGED, entry.name);
  return added === 1;
}

/** Revokes a key; false when there is none by that name. Every worker refuses it within seconds. */
export async function revokeClusterKey(redis: Redis, name: string): Promise<boolean> {
  const removed = await redis.hdel(KEYS, name);
  if (removed) await redis.publish(KEYS_CHANGED, name);
  return removed === 1;
}
