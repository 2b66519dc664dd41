import { describe, expect, it } from 'vitest';
import { lastLines } from '../lib/captions/caption-lines';

describe('lastLines', () => {
  it('keeps the newest words in at most the given number of lines', () => {
    const lines = lastLines([{ text: 'one two three four five six seven', final: true }], 10, 2);
    expect(lines).toEqual([[{ text: 'five six', final: true }], [{ text: 'seven', final: true }]]);
  });

  it('keeps interim words apart from final ones on the same line', () => {
    const lines = lastLines(
      [
        { text: 'the cat', final: true },
        { text: 'sat on', final: false },
      ],
      40,
      2,
    );
    expect(lines).toEqual([
      [
        { text: 'the cat', final: true },
        { text: 'sat on', final: false },
      ],
    ]);
  });

  it('gives a word longer than a line a line of its own', () => {
    expect(lastLines([{ text: 'a extraordinarily b', final: true }], 5, 3)).toEqual([
      [{ text: 'a', final: true }],
      [{ text: 'extraordinarily', final: true }],
      [{ text: 'b', final: true }],
    ]);
  });

  it('returns nothing for blank text', () => {
    expect(lastLines([{ text: '   ', final: false }], 20, 2)).toEqual([]);
  });
});
