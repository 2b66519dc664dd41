import { describe, expect, it } from 'vitest';
import { joinCues, mediaTimeLabel, searchLines } from '../lib/transcript/transcript-lines';

const cue = (text: string, start: number) => ({
  start_seconds: start,
  end_seconds: start + 1,
  text,
  words: [],
});

describe('transcript lines', () => {
  it('label media times as m:ss, and h:mm:ss past an hour', () => {
    expect(mediaTimeLabel(5.9)).toBe('0:05');
    expect(mediaTimeLabel(125)).toBe('2:05');
    expect(mediaTimeLabel(3725)).toBe('1:02:05');
  });

  it('find the lines holding the query in any case, with each match marked', () => {
    const found = searchLines([cue('The cat and the hat', 1), cue('a dog', 2)], 'THE');
    expect(found).toHaveLength(1);
    expect(found[0]?.parts).toEqual([
      { text: 'The', match: true },
      { text: ' cat and ', match: false },
      { text: 'the', match: true },
      { text: ' hat', match: false },
    ]);
    expect(searchLines([cue('a dog', 2)], '  ')).toHaveLength(1);
    expect(searchLines([cue('a dog', 2)], 'cat')).toEqual([]);
  });

  it('join cues said without a pause into one line, and start a new one after a pause', () => {
    const joined = joinCues([
      cue('the cat', 1),
      { ...cue('ran', 2.2), end_seconds: 2.6 },
      cue('to the park', 5),
    ]);
    expect(joined.map((c) => [c.text, c.start_seconds, c.end_seconds])).toEqual([
      ['the cat ran', 1, 2.6],
      ['to the park', 5, 6],
    ]);
  });
});
