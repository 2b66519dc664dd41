import { dropOlderEntries } from './recent-entries';

/** What the clock needs of an audio context. */
export interface ContextTime {
  readonly currentTime: number;
}

interface Mark {
  contextTime: number;
  wallMs: number;
}

const MARK_EVERY_MS = 50;
const MARKS_KEPT_MS = 60_000;

/**
 * When each moment of an audio context's time was current, by the wall clock. The context's time
 * is the count of samples it rendered, and it falls behind the wall clock whenever rendering
 * stalls (by 0.7 s in 30 s on a loaded machine), so a moment some seconds back must be looked up
 * as it was then, not derived from the context's time now.
 */
export class ContextClock {
  private readonly marks: Mark[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly context: ContextTime,
    private readonly now: () => number = Date.now,
  ) {
    this.mark();
    this.timer = setInterval(() => this.mark(), MARK_EVERY_MS);
  }

  /** Wall-clock ms at which context time `time` was (or will be, at the present rate) current. */
  wallClockAt(time: number): number {
    this.mark();
    const mark = this.marks.findLast((m) => m.contextTime <= time) ?? (this.marks[0] as Mark);
    return mark.wallMs + (time - mark.contextTime) * 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Notes the present; while the context stalls, the latest mark of a moment is the one kept. */
  mark(): void {
    const mark = { contextTime: this.context.currentTime, wallMs: this.now() };
    const last = this.marks.at(-1);
    if (last && last.contextTime === mark.contextTime) this.marks.pop();
    this.marks.push(mark);
    dropOlderEntries(this.marks, (m) => m.wallMs >= mark.wallMs - MARKS_KEPT_MS);
  }
}
