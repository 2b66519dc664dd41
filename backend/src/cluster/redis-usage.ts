import type { Redis } from 'ioredis';
import { emptyUsage, type KeyUsage, type UsageCounts, type UsageStore } from '../server/usage-book';
import { KEY_PREFIX } from './redis-connection';

const INDEX = `${KEY_PREFIX}:usage:keys`;
const usageKey = (name: string) => `${KEY_PREFIX}:usage:key:${name}`;
const WHOLE: ReadonlySet<string> = new Set(['requests', 'errors']);

/**
 * Usage per key name in Redis, one hash per key that every worker increments, so /v1/usage and /metrics
 * say the same on all of them. Redis keeps the totals across restarts (its own persistence).
 */
export class RedisUsage implements UsageStore {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly redis: Redis) {}

  add(key: string, counts: UsageCounts): void {
    const step = this.redis.multi().sadd(INDEX, key).hsetnx(usageKey(key), 'since', new Date().toISOString());
    for (const [field, amount] of Object.entries(counts)) {
      if (amount <= 0) continue;
      if (WHOLE.has(field)) step.hincrby(usageKey(key), field, amount);
      else step.hincrbyfloat(usageKey(key), field, amount);
    }
    const done = step.exec().finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  async get(key: string): Promise<KeyUsage> {
    return parseUsage(await this.redis.hgetall(usageKey(key)));
  }

  async entries(): Promise<[string, KeyUsage][]> {
    const names = (await this.redis.smembers(INDEX)).sort();
    const step = this.redis.pipeline();
    for (const name of names) step.hgetall(usageKey(name));
    const rows = (await step.exec()) ?? [];
    return names.map((name, i) => [name, parseUsage((rows[i]?.[1] ?? {}) as Record<string, string>)]);
  }

  /** Waits until every increment sent so far is acknowledged. */
  async save(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

function parseUsage(hash: Record<string, string>): KeyUsage {
  const usage = emptyUsage();
  if (hash.since) usage.since = hash.since;
  for (const field of ['requests', 'audioSeconds', 'liveSeconds', 'errors'] as const) {
    const value = Number(hash[field] ?? 0);
    if (Number.isFinite(value)) usage[field] = value;
  }
  return usage;
}
