import {
  DEFAULT_WORD_FILTER_SETTINGS,
  type Segment,
  type Word,
  type WordFilterSettings,
} from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { BlockedWordTracker } from '../lib/offscreen/blocked-word-tracker';

const T0 = 1_700_000_000_000;
const settings: WordFilterSettings = {
  ...DEFAULT_WORD_FILTER_SETTINGS,
  audioMode: 'instant',
  padSeconds: 0.05,
};

function word(text: string, start: number, end: number, confidence = 0.9): Word {
  return { word: text, start_seconds: start, end_seconds: end, confidence };
}

function segment(id: string, words: Word[], final: boolean): Segment {
  return {
    id,
    text: words.map((w) => w.word).join(' '),
    start_seconds: words[0]?.start_seconds ?? 0,
    end_seconds: words.at(-1)?.end_seconds ?? 0,
    confidence: 0.9,
    final,
    words,
  };
}

describe('BlockedWordTracker', () => {
  it('silences each blocked word with padding and counts it once across interim and final replies', () => {
    const tracker = new BlockedWordTracker(settings);
    const interim = [word('oh', 1, 1.2), word('damn', 1.3, 1.6)];
    const [first, ...more] = tracker.observe('r', T0, [segment('i', interim, false)], T0 + 2600);
    expect(more).toEqual([]);
    expect(first?.word).toEqual({ start: 1.3, end: 1.6 });
    expect(first?.span.start).toBeCloseTo(1.25);
    expect(first?.span.end).toBeCloseTo(1.65);
    // The final reply hears the word after it: the padding stops where "it" starts.
    const final = [word('oh', 1, 1.2), word('damn', 1.32, 1.64), word('it', 1.66, 1.8)];
    expect(tracker.observe('r', T0, [segment('f', final, true)], T0 + 3000).map((s) => s.span)).toEqual([
      { start: expect.closeTo(1.27, 9), end: 1.66 },
    ]);
    expect(tracker.filteredWords).toBe(1);
    tracker.observe('r', T0, [segment('g', [word('crap', 4, 4.3)], true)], T0 + 5300);
    expect(tracker.filteredWords).toBe(2);
  });

  it('finds a word split across two replies', () => {
    const tracker = new BlockedWordTracker({ ...settings, useDefaultList: false, blockedWords: ['bastard'] });
    expect(
      tracker.observe('r', T0, [segment('a', [word('you', 0.5, 0.7), word('bas', 0.8, 1)], true)], T0 + 2000),
    ).toEqual([]);
    const spans = tracker.observe('r', T0, [segment('b', [word('tard', 1.02, 1.3)], true)], T0 + 3000);
    expect(spans.map((s) => s.span)).toEqual([{ start: 0.75, end: 1.35 }]);
  });

  it('counts but does not silence when the sound is left alone, a word is unsure, or the filter is off here', () => {
    const quiet = new BlockedWordTracker({ ...settings, audioMode: 'off' });
    expect(quiet.observe('r', T0, [segment('a', [word('shit', 1, 1.2)], true)], T0 + 2000)).toEqual([]);
    expect(quiet.filteredWords).toBe(1);
    const unsure = new BlockedWordTracker(settings);
    expect(unsure.observe('r', T0, [segment('a', [word('shit', 1, 1.2, 0.2)], true)], T0 + 2000)).toEqual([]);
    const off = new BlockedWordTracker({ ...settings, enabled: false });
    expect(off.observe('r', T0, [segment('a', [word('shit', 1, 1.2)], true)], T0 + 2000)).toEqual([]);
    expect(off.filteredWords).toBe(0);
  });

  it('measures how long after a word starts the recognizer first reports it, for 95 % of words', () => {
    const tracker = new BlockedWordTracker(settings);
    expect(tracker.latencySeconds).toBeUndefined();
    tracker.observe('r', T0, [segment('a', [word('a', 0, 1)], false)], T0 + 2000);
    tracker.observe('r', T0, [segment('a', [word('a', 0, 1), word('b', 1, 2)], false)], T0 + 3500);
    tracker.observe('r', T0, [segment('a', [word('c', 2, 3)], true)], T0 + 4200);
    // a: 2.0 s, b: 2.5 s, c: 2.2 s after their starts; the slowest of three is the 95th percentile
    expect(tracker.latencySeconds).toBeCloseTo(2.5);
    for (let i = 0; i < 19; i++) {
      const at = 3 + i;
      tracker.observe('r', T0, [segment('a', [word('d', at, at + 0.5)], false)], T0 + (at + 1) * 1000);
    }
    // 19 words at 1 s and the three above: the 95th percentile of 22 is the 21st, 2.2 s
    expect(tracker.latencySeconds).toBeCloseTo(2.2);
  });
});
