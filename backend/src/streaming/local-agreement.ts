import { sameWordText, type TimedWord } from './timed-word';

export interface LocalAgreementOptions {
  /** A word is only committed once it ends at least this long before the audio decoded so far. */
  commitMarginSeconds: number;
  /** Two hypotheses agree on a word when its text matches and its starts differ by at most this. */
  startToleranceSeconds: number;
  /** A window longer than this is committed without waiting for agreement. */
  maxWindowSeconds: number;
  /** When a window holds no words, all but this much of its tail is dropped as silence. */
  silenceTailSeconds: number;
}

export const DEFAULT_LOCAL_AGREEMENT_OPTIONS: LocalAgreementOptions = {
  commitMarginSeconds: 0.5,
  startToleranceSeconds: 0.4,
  maxWindowSeconds: 15,
  silenceTailSeconds: 1,
};

export interface AgreementStep {
  /** Words that just became final, in order; they never change again. */
  committed: TimedWord[];
  /** The rest of the latest hypothesis, still open to revision. */
  interim: TimedWord[];
}

/**
 * LocalAgreement-2 commit policy over a sliding window of not-yet-committed audio: a word is final once
 * two consecutive hypotheses of the window agree on it and it lies clear of the window's end. Committing
 * moves the window start to the end of the last committed word, so the next hypothesis covers only
 * audio whose words are still open.
 */
export class LocalAgreement {
  private previous: TimedWord[] = [];
  private start = 0;

  constructor(private readonly options: LocalAgreementOptions = DEFAULT_LOCAL_AGREEMENT_OPTIONS) {}

  /** Start of the uncommitted window, seconds from the recording's start. */
  get windowStart(): number {
    return this.start;
  }

  /**
   * Feeds the hypothesis for the window [windowStart, windowEnd] (word times already on the recording's
   * timeline) and returns what became final and what stays interim.
   */
  update(hypothesis: readonly TimedWord[], windowEnd: number): AgreementStep {
    const words = this.insideWindow(hypothesis);
    const { commitMarginSeconds, maxWindowSeconds, silenceTailSeconds } = this.options;
    const commitBefore = windowEnd - commitMarginSeconds;
    const forced = windowEnd - this.start > maxWindowSeconds;
    const agreed = forced ? words.length : this.agreedPrefixLength(words);

    let count = 0;
    while (count < agreed && (words[count] as TimedWord).end <= commitBefore) count++;
    const committed = words.slice(0, count);
    const interim = words.slice(count);

    const last = committed.at(-1);
    if (last) {
      this.start = Math.max(this.start, last.end);
    } else if (words.length === 0) {
      this.start = Math.max(this.start, windowEnd - silenceTailSeconds);
    } else if (forced) {
      // Nothing ends clear of the margin in an over-long window: cut it anyway so it stays bounded.
      this.start = Math.max(this.start, commitBefore);
    }
    this.previous = interim;
    return { committed, interim };
  }

  /** The recording ended: everything in the last hypothesis is final. */
  finish(hypothesis: readonly TimedWord[]): AgreementStep {
    const committed = this.insideWindow(hypothesis);
    const last = committed.at(-1);
    if (last) this.start = Math.max(this.start, last.end);
    this.previous = [];
    return { committed, interim: [] };
  }

  /** Audio before `seconds` is gone (the buffer dropped it): the window may not start earlier. */
  advanceTo(seconds: number): void {
    if (seconds <= this.start) return;
    this.start = seconds;
    this.previous = this.previous.filter((w) => w.start >= seconds);
  }

  private insideWindow(hypothesis: readonly TimedWord[]): TimedWord[] {
    return hypothesis.filter((w) => w.end > this.start && w.word.trim() !== '');
  }

  private agreedPrefixLength(words: readonly TimedWord[]): number {
    const tolerance = this.options.startToleranceSeconds;
    let n = 0;
    while (n < words.length && n < this.previous.length) {
      const now = words[n] as TimedWord;
      const before = this.previous[n] as TimedWord;
      if (!sameWordText(now.word, before.word) || Math.abs(now.start - before.start) > tolerance) break;
      n++;
    }
    return n;
  }
}
