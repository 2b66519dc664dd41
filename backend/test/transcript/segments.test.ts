import { describe, expect, it } from 'vitest';
import type { RecognizedWord } from '../../src/engine/types';
import { segmentWords } from '../../src/transcript/segments';

/** Words of `duration` seconds each, separated by `gap` seconds, starting at `at`. */
function evenWords(texts: string[], at: number, duration = 0.3, gap = 0.1): RecognizedWord[] {
  return texts.map((word, i) => {
    const start = at + i * (duration + gap);
    return { word, start, end: start + duration, confidence: 0.9 };
  });
}

describe('segmentWords', () => {
  it('keeps a continuous phrase together and takes its times from its first and last words', () => {
    const words = evenWords(['the', 'cat', 'sat'], 1);
    const [segment, ...rest] = segmentWords(words);
    expect(rest).toEqual([]);
    expect(segment?.text).toBe('the cat sat');
    expect(segment?.start).toBe(1);
    expect(segment?.end).toBeCloseTo(2.1);
    expect(segment?.words).toEqual(words);
  });

  it('starts a new segment after a pause longer than 0.7 s, but not after a shorter one', () => {
    const words = [
      ...evenWords(['the', 'cat'], 0),
      ...evenWords(['sat', 'down'], 1.3), // 0.6 s after "cat" ends
      ...evenWords(['on', 'the', 'mat'], 2.9), // 0.9 s after "down" ends
    ];
    expect(segmentWords(words).map((s) => s.text)).toEqual(['the cat sat down', 'on the mat']);
  });

  it('closes a segment at 20 words when the speaker never pauses', () => {
    const texts = Array.from({ length: 45 }, (_, i) => `w${i}`);
    const segments = segmentWords(evenWords(texts, 0, 0.2, 0.05));
    expect(segments.map((s) => s.words.length)).toEqual([20, 20, 5]);
    expect(segments.flatMap((s) => s.words.map((w) => w.word))).toEqual(texts);
  });

  it('closes a segment before it grows past 12 s of slow speech', () => {
    const segments = segmentWords(evenWords(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 0, 1.5, 0.5));
    for (const s of segments) expect(s.end - s.start).toBeLessThanOrEqual(12);
    expect(segments.map((s) => s.text)).toEqual(['a b c d e f', 'g h']);
  });

  it('returns no segments for no words', () => {
    expect(segmentWords([])).toEqual([]);
  });
});
