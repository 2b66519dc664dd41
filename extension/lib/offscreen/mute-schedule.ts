/** A stretch of audio-context time (seconds). */
export interface TimeSpan {
  start: number;
  end: number;
}

/** Whether two spans share any time. */
export function overlaps(a: TimeSpan, b: TimeSpan): boolean {
  return a.start < b.end && b.start < a.end;
}

/** A blocked word as heard (unpadded) and the span silenced for it. */
export interface WordSilence {
  word: TimeSpan;
  span: TimeSpan;
}

/** One step of a gain automation: jump to `value` at `at`, or ramp linearly to reach it at `at`. */
export interface GainStep {
  at: number;
  value: number;
  kind: 'set' | 'ramp';
}

/** Fade in and out of each silence: an instant cut would click. */
export const MUTE_RAMP_SECONDS = 0.005;

/**
 * The spans during which the output is silenced. Spans are merged when they overlap or lie so
 * close that their fades would meet; spans that ended are forgotten.
 */
export class MuteSchedule {
  private spans: TimeSpan[] = [];

  /** One schedule silencing wherever any of `schedules` does from `now` on. */
  static union(schedules: readonly MuteSchedule[], now: number): MuteSchedule {
    const union = new MuteSchedule();
    for (const schedule of schedules) for (const span of schedule.upcoming(now)) union.add(span, now);
    return union;
  }

  /** Adds a span; false when it changes nothing (already covered, or wholly past). */
  add(span: TimeSpan, now: number): boolean {
    if (span.end <= now || span.end <= span.start) return false;
    if (this.spans.some((s) => s.start <= span.start && s.end >= span.end)) return false;
    const all = [...this.spans.filter((s) => s.end > now), span].sort((a, b) => a.start - b.start);
    const merged: TimeSpan[] = [];
    for (const s of all) {
      const last = merged.at(-1);
      if (last && s.start <= last.end + 2 * MUTE_RAMP_SECONDS) last.end = Math.max(last.end, s.end);
      else merged.push({ ...s });
    }
    this.spans = merged;
    return true;
  }

  /** Forgets the spans that start after `time`; false when there were none. */
  withdrawFrom(time: number): boolean {
    const kept = this.spans.filter((s) => s.start <= time);
    const changed = kept.length !== this.spans.length;
    this.spans = kept;
    return changed;
  }

  /** Spans that have not ended at `now`, in order. */
  upcoming(now: number): TimeSpan[] {
    return this.spans.filter((s) => s.end > now);
  }

  /**
   * Gain steps from `now` on: `open` while sound plays, `closed` during each span (0 and 1 for
   * the tab's sound, the reverse for a bleep). The first step sets the value at `now`.
   */
  automation(now: number, open: number, closed: number): GainStep[] {
    const spans = this.upcoming(now);
    const inside = spans.some((s) => s.start <= now);
    const steps: GainStep[] = [{ at: now, value: inside ? closed : open, kind: 'set' }];
    for (const span of spans) {
      if (span.start > now) {
        steps.push({ at: Math.max(now, span.start - MUTE_RAMP_SECONDS), value: open, kind: 'set' });
        steps.push({ at: span.start, value: closed, kind: 'ramp' });
      }
      steps.push({ at: span.end, value: closed, kind: 'set' });
      steps.push({ at: span.end + MUTE_RAMP_SECONDS, value: open, kind: 'ramp' });
    }
    return steps;
  }
}
