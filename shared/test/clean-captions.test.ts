import { describe, expect, it } from 'vitest';
import { cleanWords, type Segment, segmentsForMode } from '../src';

const clean = (text: string) => cleanWords(text.split(' '), (w) => w).join(' ');

function segment(text: string): Segment {
  const words = text
    .split(' ')
    .map((word, i) => ({ word, start_seconds: i, end_seconds: i + 0.5, confidence: 1 }));
  return { id: 's', text, start_seconds: 0, end_seconds: words.length, confidence: 1, final: true, words };
}

describe('clean captions', () => {
  it('drop fillers in any case and lengthening', () => {
    expect(clean('so um I think uh, we Hmm should ummm go')).toBe('so I think we should go');
    expect(clean('er erm ah mhm the end')).toBe('the end');
  });

  it('drop a word or a pair of words said again at once', () => {
    expect(clean('I I think')).toBe('I think');
    expect(clean('I, I think the the the cat')).toBe('I think the cat');
    expect(clean('you know you know it')).toBe('you know it');
    expect(clean('I um I went')).toBe('I went');
  });

  it('keep words that only look alike or come back later', () => {
    expect(clean('that that is that')).toBe('that is that');
    expect(clean('bye now bye')).toBe('bye now bye');
    expect(clean('humble umbrella error')).toBe('humble umbrella error');
  });

  it('rebuild a segment from its kept words with their own times, and verbatim keeps all', () => {
    const [cleaned] = segmentsForMode([segment('um I I think so')], 'clean');
    expect(cleaned?.text).toBe('I think so');
    expect(cleaned?.words.map((w) => w.start_seconds)).toEqual([2, 3, 4]);
    expect(segmentsForMode([segment('um I I think')], 'verbatim')[0]?.text).toBe('um I I think');
    expect(segmentsForMode([segment('uh um')], 'clean')).toMatchObject([{ text: '', words: [] }]);
  });

  it('work on masked words too', () => {
    expect(clean('f*** f*** that')).toBe('f*** that');
  });
});
