import { performance } from 'node:perf_hooks';

/**
 * Events of the last `spanSeconds`, oldest first; older ones are forgotten as new ones arrive or the
 * events are read, so memory follows the event rate, not the uptime.
 */
export class RecentEvents<T> {
  private readonly events: { at: number; value: T }[] = [];

  constructor(private readonly spanSeconds: number) {}

  record(value: T, at = performance.now()): void {
    this.events.push({ at, value });
    this.prune(at);
  }

  /** The values recorded within the span before `now` (a `performance.now()` time). */
  within(now = performance.now()): T[] {
    this.prune(now);
    return this.events.map((e) => e.value);
  }

  private prune(now: number): void {
    const from = now - this.spanSeconds * 1000;
    let stale = 0;
    while (stale < this.events.length && (this.events[stale] as { at: number }).at < from) stale++;
    if (stale > 0) this.events.splice(0, stale);
  }
}
