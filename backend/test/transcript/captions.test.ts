import { describe, expect, it } from 'vitest';
import { toCaptions } from '../../src/transcript/captions';
import type { TranscriptSegment } from '../../src/transcript/segments';

function segment(start: number, end: number, text: string): TranscriptSegment {
  return { start, end, text, words: [{ word: text, start, end, confidence: 1 }] };
}

describe('toCaptions', () => {
  it('holds a short caption for a second', () => {
    expect(toCaptions([segment(0.16, 0.24, 'ca'), segment(5, 6.5, 'dog')])).toEqual([
      { start_seconds: 0.16, end_seconds: 1.16, text: 'ca' },
      { start_seconds: 5, end_seconds: 6.5, text: 'dog' },
    ]);
  });

  it('never holds a caption past the start of the next one', () => {
    const [first] = toCaptions([segment(1, 1.2, 'a'), segment(1.5, 3, 'b')]);
    expect(first?.end_seconds).toBe(1.5);
  });

  it('keeps the true end of a caption that is long enough already', () => {
    const [only] = toCaptions([segment(2, 4.5, 'the cat sat on the mat')]);
    expect(only).toEqual({ start_seconds: 2, end_seconds: 4.5, text: 'the cat sat on the mat' });
  });

  it('holds the last caption too', () => {
    const captions = toCaptions([segment(0, 3, 'a b c'), segment(3.8, 4, 'end')]);
    expect(captions[1]?.end_seconds).toBe(4.8);
  });
});
