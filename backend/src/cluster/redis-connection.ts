import { Redis } from 'ioredis';

/** Every key Earshot keeps in Redis starts with this, so one Redis can serve other things too. */
export const KEY_PREFIX = 'earshot';

/** The URL without its password, for messages. */
export function safeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * A connection to the cluster's Redis that is up before it is returned: a wrong URL or an unreachable
 * Redis stops the start with one clear line. Once up, commands wait through reconnects (BullMQ's need).
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url)) {
    throw new Error(`--redis must be a redis:// or rediss:// URL, got "${safeRedisUrl(url)}"`);
  }
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: name });
  // Reconnects are ioredis's; a worker keeps serving live captions while Redis is away.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${safeRedisUrl(url)}: ${(error as Error).message}`);
  }
  return redis;
}
