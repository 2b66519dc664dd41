import { describe, expect, it } from 'vitest';
import { alignTimedWords, firstShownAt, latenciesMs, type ShownWord } from '../../bench/word-latency';

const timed = (text: string, from: number, step = 0.5) =>
  text.split(' ').map((word, i) => ({ word, start: from + i * step, end: from + i * step + 0.4 }));
const shown = (text: string, from: number, atMs: number): ShownWord[] =>
  timed(text, from).map((w) => ({ ...w, shownAtMs: atMs }));

describe('matching streamed words to the offline transcript', () => {
  it('pairs a word with the same word spoken at the same time, not an earlier one with the same text', () => {
    const reference = timed('the cat saw the dog', 0);
    const hypothesis = timed('the dog', 1.5);
    expect(alignTimedWords(reference, hypothesis)).toEqual([
      [3, 0],
      [4, 1],
    ]);
  });

  it('does not pair words whose text differs or which lie far apart in time', () => {
    const reference = timed('a red ball', 0);
    expect(alignTimedWords(reference, timed('a bed ball', 0))).toEqual([
      [0, 0],
      [2, 2],
    ]);
    expect(alignTimedWords(reference, timed('a red ball', 3))).toEqual([]);
  });

  it('ignores case and punctuation', () => {
    expect(alignTimedWords(timed('the end', 0), timed('The end.', 0))).toHaveLength(2);
  });

  it('takes the first response that showed a word, and leaves never-shown words out', () => {
    const reference = timed('we go home now', 0);
    const views = [
      shown('we', 0, 1_000),
      shown('we go hum', 0, 1_250),
      shown('we go home', 0, 1_500),
      shown('we go home', 0, 1_750),
    ];
    expect(firstShownAt(reference, views)).toEqual([1_000, 1_250, 1_500, null]);
  });

  it('does not let a response about later audio claim an earlier word with the same text', () => {
    const reference = [...timed('the sun', 0), ...timed('the moon', 5)];
    const views = [shown('the moon', 5, 6_000)];
    expect(firstShownAt(reference, views)).toEqual([null, null, 6_000, 6_000]);
  });

  it('measures latency from the moment a word had been captured to the moment it was shown', () => {
    const reference = [
      { word: 'one', start: 0.2, end: 0.6 },
      { word: 'two', start: 1.0, end: 1.5 },
    ];
    const captureStart = 10_000;
    expect(latenciesMs(reference, [10_900, null], captureStart)).toEqual([300]);
  });
});
