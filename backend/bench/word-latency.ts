import { sameWordText } from '../src/streaming/timed-word';

/** A word on a recording's timeline, in seconds from the recording's start. */
export interface TimedText {
  word: string;
  start: number;
  end: number;
}

/** A word as a client saw it: on screen from wall time `shownAtMs` on. */
export interface ShownWord extends TimedText {
  shownAtMs: number;
}

/** Two words are the same spoken word when the text agrees and their middles are this close (seconds). */
export const DEFAULT_TIME_TOLERANCE = 0.5;

const middle = (w: TimedText) => (w.start + w.end) / 2;

/**
 * Word-level Levenshtein alignment of a hypothesis against a reference, where a pair only counts as a
 * match when the text agrees and the two words lie within `tolerance` seconds of each other. Returns
 * the matched (reference index, hypothesis index) pairs in order.
 */
export function alignTimedWords(
  reference: readonly TimedText[],
  hypothesis: readonly TimedText[],
  tolerance = DEFAULT_TIME_TOLERANCE,
): [number, number][] {
  const n = reference.length;
  const m = hypothesis.length;
  const matches = (i: number, j: number) => {
    const r = reference[i] as TimedText;
    const h = hypothesis[j] as TimedText;
    return sameWordText(r.word, h.word) && Math.abs(middle(r) - middle(h)) <= tolerance;
  };
  const cost: number[][] = [];
  for (let i = 0; i <= n; i++) {
    const row = [i];
    for (let j = 1; j <= m; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = cost[i - 1] as number[];
      const diagonal = (above[j - 1] as number) + (matches(i - 1, j - 1) ? 0 : 1);
      row.push(Math.min(diagonal, (above[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    cost.push(row);
  }
  const pairs: [number, number][] = [];
  for (let i = n, j = m; i > 0 && j > 0; ) {
    const here = cost[i]?.[j] as number;
    if (matches(i - 1, j - 1) && here === cost[i - 1]?.[j - 1]) {
      pairs.push([i - 1, j - 1]);
      i--;
      j--;
    } else if (here === (cost[i - 1]?.[j - 1] as number) + 1) {
      i--;
      j--;
    } else if (here === (cost[i - 1]?.[j] as number) + 1) {
      i--;
    } else {
      j--;
    }
  }
  return pairs.reverse();
}

/**
 * For every reference word, the earliest wall time at which one of the views (a response's words, or
 * all final words) showed it, or null if none did. Each view is aligned only against the reference
 * words in its own stretch of time, so a view of the last few seconds cannot claim older words.
 */
export function firstShownAt(
  reference: readonly TimedText[],
  views: readonly (readonly ShownWord[])[],
  tolerance = DEFAULT_TIME_TOLERANCE,
): (number | null)[] {
  const shown: (number | null)[] = reference.map(() => null);
  for (const view of views) {
    if (view.length === 0) continue;
    const words = [...view].sort((a, b) => a.start - b.start);
    const from = Math.min(...words.map((w) => w.start)) - tolerance;
    const to = Math.max(...words.map((w) => w.end)) + tolerance;
    const indexes = reference.flatMap((w, i) => (w.end >= from && w.start <= to ? [i] : []));
    const nearby = indexes.map((i) => reference[i] as TimedText);
    for (const [r, h] of alignTimedWords(nearby, words, tolerance)) {
      const index = indexes[r] as number;
      const at = (words[h] as ShownWord).shownAtMs;
      const earlier = shown[index];
      if (earlier === null || earlier === undefined || at < earlier) shown[index] = at;
    }
  }
  return shown;
}

/**
 * For every reference word, milliseconds from the moment it had been fully captured (capture start +
 * its end time, since audio is captured in real time) to the moment it was shown; null if never shown.
 */
export function latencyPerWordMs(
  reference: readonly TimedText[],
  shownAt: readonly (number | null)[],
  captureStartMs: number,
): (number | null)[] {
  return reference.map((word, i) => {
    const at = shownAt[i];
    return at === null || at === undefined ? null : at - (captureStartMs + word.end * 1000);
  });
}

/** The latencies of the words that were shown (see latencyPerWordMs). */
export function latenciesMs(
  reference: readonly TimedText[],
  shownAt: readonly (number | null)[],
  captureStartMs: number,
): number[] {
  return latencyPerWordMs(reference, shownAt, captureStartMs).filter((ms): ms is number => ms !== null);
}

/**
 * For every reference word, the earliest wall time at which a view showed any word, whatever its
 * text, within `tolerance` seconds of it: when the caption first covered that stretch of speech. The
 * measure for a model whose words cannot match from one window to the next (random weights).
 */
export function firstCoveredAt(
  reference: readonly TimedText[],
  views: readonly (readonly ShownWord[])[],
  tolerance = DEFAULT_TIME_TOLERANCE,
): (number | null)[] {
  return reference.map((r) => {
    let first: number | null = null;
    for (const view of views) {
      for (const w of view) {
        if (Math.abs(middle(w) - middle(r)) <= tolerance && (first === null || w.shownAtMs < first))
          first = w.shownAtMs;
      }
    }
    return first;
  });
}
