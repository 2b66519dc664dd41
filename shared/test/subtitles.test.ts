import { describe, expect, it } from 'vitest';
import { formatSrtTimestamp, formatVttTimestamp, toSrt, toWebVtt } from '../src/subtitles';

describe('subtitle timestamps', () => {
  it('formats hours, minutes, seconds and milliseconds', () => {
    expect(formatSrtTimestamp(0)).toBe('00:00:00,000');
    expect(formatSrtTimestamp(3723.456)).toBe('01:02:03,456');
    expect(formatVttTimestamp(3723.456)).toBe('01:02:03.456');
    expect(formatSrtTimestamp(100 * 3600 + 1.5)).toBe('100:00:01,500');
  });

  it('rounds to the nearest millisecond and carries into the next unit', () => {
    expect(formatSrtTimestamp(1.0004)).toBe('00:00:01,000');
    expect(formatSrtTimestamp(1.0006)).toBe('00:00:01,001');
    expect(formatVttTimestamp(59.9996)).toBe('00:01:00.000');
    expect(formatVttTimestamp(3599.9999)).toBe('01:00:00.000');
  });

  it('never prints a negative or non-finite time', () => {
    expect(formatSrtTimestamp(-0.25)).toBe('00:00:00,000');
    expect(formatVttTimestamp(Number.NaN)).toBe('00:00:00.000');
  });
});

const first = { start_seconds: 0.5, end_seconds: 2.25, text: 'the cat sat' };
const second = { start_seconds: 3, end_seconds: 4.1, text: 'on the mat' };
const captions = [first, second];

describe('toSrt', () => {
  it('numbers cues from 1 and separates them with a blank line', () => {
    expect(toSrt(captions)).toBe(
      '1\n00:00:00,500 --> 00:00:02,250\nthe cat sat\n\n2\n00:00:03,000 --> 00:00:04,100\non the mat\n',
    );
  });

  it('drops empty captions without leaving a gap in the numbering', () => {
    const srt = toSrt([first, { start_seconds: 2.5, end_seconds: 2.8, text: '  ' }, second]);
    expect(srt.match(/^\d+$/gm)).toEqual(['1', '2']);
  });

  it('keeps a caption with blank lines inside as one cue', () => {
    const srt = toSrt([{ start_seconds: 1, end_seconds: 2, text: 'first line\n\nsecond line' }]);
    expect(srt).toBe('1\n00:00:01,000 --> 00:00:02,000\nfirst line\nsecond line\n');
  });

  it('never ends a cue before it starts', () => {
    expect(toSrt([{ start_seconds: 5, end_seconds: 4, text: 'x' }])).toContain(
      '00:00:05,000 --> 00:00:05,000',
    );
  });
});

describe('toWebVtt', () => {
  it('starts with the WEBVTT header and uses dots before milliseconds', () => {
    expect(toWebVtt(captions)).toBe(
      'WEBVTT\n\n00:00:00.500 --> 00:00:02.250\nthe cat sat\n\n00:00:03.000 --> 00:00:04.100\non the mat\n',
    );
  });

  it('escapes characters that WebVTT would read as markup or as a timing arrow', () => {
    const vtt = toWebVtt([{ start_seconds: 0, end_seconds: 1, text: 'a <b> & c --> d' }]);
    expect(vtt).toContain('a &lt;b&gt; &amp; c --&gt; d');
  });

  it('is a valid empty file when there is nothing to say', () => {
    expect(toWebVtt([])).toBe('WEBVTT\n');
  });
});
