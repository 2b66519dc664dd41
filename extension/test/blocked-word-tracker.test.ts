import {
  DEFAULT_WORD_FILTER_SETTINGS,
  type Segment,
  type Word,
  type WordFilterSettings,
} from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { BlockedWordTracker } from '../lib/offscreen/blocked-word-tracker';

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
    const [first, ...more] = tracker.observe('r', [segment('i', interim, false)]);
    expect(more).toEqual([]);
    expect(first?.word).toEqual({ start: 1.3, end: 1.6 });
    expect(first?.span.start).toBeCloseTo(1.25);
    expect(first?.span.end).toBeCloseTo(1.65);
    // The final reply hears the word after it: the padding stops where "it" starts.
    const final = [word('oh', 1, 1.2), word('damn', 1.32, 1.64), word('it', 1.66, 1.8)];
    expect(tracker.observe('r', [segment('f', final, true)]).map((s) => s.span)).toEqual([
      { start: expect.closeTo(1.27, 9), end: 1.66 },
    ]);
    expect(tracker.filteredWords).toBe(1);
    tracker.observe('r', [segment('g', [word('crap', 4, 4.3)], true)]);
    expect(tracker.filteredWords).toBe(2);
  });

  it('finds a word split across two replies', () => {
    const tracker = new BlockedWordTracker({ ...settings, useDefaultList: false, blockedWords: ['bastard'] });
    expect(tracker.observe('r', [segment('a', [word('you', 0.5, 0.7), word('bas', 0.8, 1)], true)])).toEqual(
      [],
    );
    const spans = tracker.observe('r', [segment('b', [word('tard', 1.02, 1.3)], true)]);
    expect(spans.map((s) => s.span)).toEqual([{ start: 0.75, end: 1.35 }]);
  });

  it('counts but does not silence when the sound is left alone, a word is unsure, or the filter is off here', () => {
    const quiet = new BlockedWordTracker({ ...settings, audioMode: 'off' });
    expect(quiet.observe('r', [segment('a', [word('shit', 1, 1.2)], true)])).toEqual([]);
    expect(quiet.filteredWords).toBe(1);
    const unsure = new BlockedWordTracker(settings);
    expect(unsure.observe('r', [segment('a', [word('shit', 1, 1.2, 0.2)], true)])).toEqual([]);
    const off = new BlockedWordTracker({ ...settings, enabled: false });
    expect(off.observe('r', [segment('a', [word('shit', 1, 1.2)], true)])).toEqual([]);
    expect(off.filteredWords).toBe(0);
  });
});
