import type { SpeechSpan } from './speech-activity';
import { sameWordText, type TimedWord } from './timed-word';

export interface LocalAgreementOptions {
  /** A word is only committed once it ends at least this long before the audio decoded so far. */
  commitMarginSeconds: number;
  /** Two hypotheses agree on a word when its text matches and its starts differ by at most this. */
  startToleranceSeconds: number;
  /**
   * A window longer than this is cut without waiting for agreement: at its last pause, else after the
   * last word that ends clear of the margin; never through a word.
   */
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
 * two consecutive hypotheses of the window agree on it and it lies clear of the window's end, or as soon
 * as a pause (silence found by a voice activity detector) follows it. Committing moves the window start
 * to the end of the last committed word, so the next hypothesis covers only audio whose words are still
 * open.
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
   * timeline) and the pauses known inside it, and returns what became final and what stays interim.
   */
  update(
    hypothesis: readonly TimedWord[],
    windowEnd: number,
    pauses: readonly SpeechSpan[] = [],
  ): AgreementStep {
    const words = this.insideWindow(hypothesis);
    const { commitMarginSeconds, maxWindowSeconds, silenceTailSeconds } = this.options;
    const commitBefore = windowEnd - commitMarginSeconds;
    const forced = windowEnd - this.start > maxWindowSeconds;

    let clear = 0;
    while (clear < words.length && (words[clear] as TimedWord).end <= commitBefore) clear++;
    const agreed = Math.min(this.agreedPrefixLength(words), clear);
    const beforePause = this.countBeforeLastPause(words, pauses);
    const cutAtWordBoundary = forced && beforePause === 0 ? clear : 0;
    const count = Math.max(agreed, beforePause, cutAtWordBoundary);
    const committed = words.slice(0, count);
    const interim = words.slice(count);

    const last = committed.at(-1);
    const firstOpen = interim[0];
    if (last) {
      this.start = Math.max(this.start, last.end);
    } else if (!firstOpen) {
      this.start = Math.max(this.start, windowEnd - silenceTailSeconds);
    } else if (forced) {
      // Nothing can be final yet in an over-long window: drop the wordless audio before its first word.
      this.start = Math.max(this.start, firstOpen.start - commitMarginSeconds);
    }
    this.previous = interim;
    return { committed, interim };
  }

  /** Nothing new was recognized: the words still open, unchanged. */
  current(): AgreementStep {
    return { committed: [], interim: [...this.previous] };
  }

  /** The recording ended: everything in the last hypothesis is final. */
  finish(hypothesis: readonly TimedWord[]): AgreementStep {
    const committed = this.insideWindow(hypothesis);
    const last = committed.at(-1);
    if (last) this.start = Math.max(this.start, last.end);
    this.previous = [];
    return { committed, interim: [] };
  }

  /**
   * Recognition is too far behind and audio before `seconds` will never be recognized: the words of the
   * last hypothesis that end before it become final (nothing better will be known of them) and the
   * rest of that audio is given up.
   */
  skipTo(seconds: number): AgreementStep {
    if (seconds <= this.start) return this.current();
    const committed = this.previous.filter((w) => w.end <= seconds);
    this.advanceTo(seconds);
    return { committed, interim: [...this.previous] };
  }

  /** Audio before `seconds` holds nothing to recognize (the buffer dropped it, or it is not speech). */
  advanceTo(seconds: number): void {
    if (seconds <= this.start) return;
    this.start = seconds;
    this.previous = this.previous.filter((w) => w.start >= seconds);
  }

  /**
   * Words of the window: a word lying mostly before its start is one already committed (or cut off),
   * heard again in the audio given before the window as context.
   */
  private insideWindow(hypothesis: readonly TimedWord[]): TimedWord[] {
    return hypothesis.filter((w) => midpoint(w) > this.start && w.word.trim() !== '');
  }

  /** Words before the middle of the last pause (pauses come in time order): nothing said later can join them. */
  private countBeforeLastPause(words: readonly TimedWord[], pauses: readonly SpeechSpan[]): number {
    const pause = pauses.at(-1);
    if (!pause) return 0;
    const middle = (pause.start + pause.end) / 2;
    let count = 0;
    while (count < words.length && midpoint(words[count] as TimedWord) < middle) count++;
    return count;
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

function midpoint(word: TimedWord): number {
  return (word.start + word.end) / 2;
}
