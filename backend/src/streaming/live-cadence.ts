/** Intervals per session kept to estimate its cadence: the smallest of these is the one assumed. */
const INTERVALS_KEPT = 4;

interface SessionArrivals {
  lastAt: number;
  intervals: number[];
}

/**
 * When live windows arrived, per session, to predict when the next one will: each session submits at
 * its own steady cadence (a window per audio chunk), so the next arrival of a session is expected one
 * interval after its last, or the next whole interval after that if it skipped some.
 */
export class LiveCadence {
  private readonly sessions = new Map<string, SessionArrivals>();
  private lastArrivalAt = Number.NEGATIVE_INFINITY;

  /** `recentMs`: a session silent for this long no longer counts as live. */
  constructor(private readonly recentMs: number) {}

  arrived(key: string, at: number): void {
    this.lastArrivalAt = at;
    const session = this.sessions.get(key);
    if (!session || at - session.lastAt >= this.recentMs) {
      this.sessions.set(key, { lastAt: at, intervals: [] });
      return;
    }
    session.intervals.push(at - session.lastAt);
    if (session.intervals.length > INTERVALS_KEPT) session.intervals.shift();
    session.lastAt = at;
  }

  /** A live window arrived within `recentMs` of `now`. */
  isRecent(now: number): boolean {
    return now - this.lastArrivalAt < this.recentMs;
  }

  /** When live traffic stops counting as recent if nothing more arrives. */
  get recentUntil(): number {
    return this.lastArrivalAt + this.recentMs;
  }

  /** The earliest expected arrival of a live window after `now`; Infinity if no cadence is known yet. */
  nextArrival(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const [key, session] of this.sessions) {
      if (now - session.lastAt >= this.recentMs) {
        this.sessions.delete(key);
        continue;
      }
      if (session.intervals.length === 0) continue;
      const interval = Math.min(...session.intervals);
      if (interval <= 0) return now;
      const periods = Math.max(1, Math.ceil((now - session.lastAt) / interval));
      next = Math.min(next, session.lastAt + periods * interval);
    }
    return next;
  }
}
