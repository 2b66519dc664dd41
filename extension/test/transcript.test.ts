import {
  DEFAULT_WORD_FILTER_SETTINGS,
  type Segment,
  type TranscriptCue,
  type Word,
  WordFilter,
} from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import {
  heardBlockedSpans,
  heardBlockedWords,
  mergeHeardBlockedWords,
} from '../lib/transcript/heard-blocked-words';
import { MediaClock } from '../lib/transcript/media-clock';
import {
  CACHED_START_SLACK_SECONDS,
  LOOKAHEAD_SECONDS,
  silencesDue,
} from '../lib/transcript/replay-silences';
import { cuesInMediaTime, mergeCues } from '../lib/transcript/transcript-cues';
import { exportFileName, exportTranscript } from '../lib/transcript/transcript-export';
import { videoKey } from '../lib/transcript/video-identity';

function cue(text: string, start: number, end: number): TranscriptCue {
  const parts = text.split(' ');
  const step = (end - start) / parts.length;
  const words: Word[] = parts.map((w, i) => ({
    word: w,
    start_seconds: start + i * step,
    end_seconds: start + (i + 1) * step,
    confidence: 0.9,
  }));
  return { start_seconds: start, end_seconds: end, text, words };
}

describe('video identity', () => {
  it('uses the media address when it is a real one, else the page, without start positions', () => {
    expect(videoKey('https://site.test/watch?v=abc&t=42#x', 'blob:https://site.test/123')).toBe(
      'https://site.test/watch?v=abc',
    );
    expect(videoKey('https://site.test/a', 'https://cdn.test/talk.mp4#t=5')).toBe(
      'https://cdn.test/talk.mp4',
    );
    expect(videoKey('https://site.test/watch?t=1&v=abc', '')).toBe(
      videoKey('https://site.test/watch?v=abc', ''),
    );
  });
});

describe('MediaClock', () => {
  it('maps a wall-clock moment to the media position played then, across pauses and seeks', () => {
    const clock = new MediaClock();
    expect(clock.mediaTimeAt(1000)).toBeUndefined();
    clock.note(1000, 10, 1, true);
    clock.note(3000, 12, 2, true);
    clock.note(4000, 14, 2, false);
    clock.note(9000, 60, 1, true);
    expect(clock.mediaTimeAt(2000)).toBe(11);
    expect(clock.mediaTimeAt(3500)).toBe(13);
    expect(clock.mediaTimeAt(8000)).toBe(14);
    expect(clock.mediaTimeAt(9500)).toBe(60.5);
  });
});

describe('transcript cues', () => {
  it('replace the cues they overlap and keep the rest in time order', () => {
    const merged = mergeCues(
      [cue('one', 0, 1), cue('two old', 2, 3), cue('three', 5, 6)],
      [cue('two new', 2.1, 3.1), cue('  ', 7, 8)],
    );
    expect(merged.map((c) => c.text)).toEqual(['one', 'two new', 'three']);
  });

  it('keep a word whose end runs into the next cue, and the words of a long cue outside a new one', () => {
    const shit = cue('shit', 7.2, 7.9);
    const merged = mergeCues([cue('she said that', 6.1, 7.1), shit], [cue('is', 7.75, 8.0)]);
    expect(merged.map((c) => c.text)).toEqual(['she said that', 'shit', 'is']);
    const long = mergeCues([cue('a b c d', 0, 4)], [cue('x', 1, 2)]);
    expect(long.map((c) => [c.text, c.start_seconds, c.end_seconds])).toEqual([
      ['a', 0, 1],
      ['x', 1, 2],
      ['c d', 2, 4],
    ]);
  });

  it('place a reply on the media timeline, split where the media jumped between its words', () => {
    const clock = new MediaClock();
    // Played from 30 s; at wall 1.2 s the viewer jumps back to 0 and it plays on from there.
    clock.note(0, 30, 1, true);
    clock.note(500, 30.5, 1, true);
    clock.note(1200, 0, 1, true);
    clock.note(1450, 0.25, 1, true);
    const reply = cue('so then the cat ran', 0.2, 2.2);
    const [so, then, the, cat, ran] = reply.words as [Word, Word, Word, Word, Word];
    // "the" is said across the jump: it belongs to neither side and is left out.
    const segment: Segment = {
      id: 's1',
      text: reply.text,
      start_seconds: 0.2,
      end_seconds: 2.2,
      confidence: 0.9,
      final: true,
      words: reply.words,
    };
    const cues = cuesInMediaTime([segment, { ...segment, final: false }], (s) => s * 1000, clock);
    expect(cues.map((c) => c.text)).toEqual(['so then', 'cat ran']);
    expect(cues[0]?.words.map((w) => [w.start_seconds, w.end_seconds])).toEqual([
      [30 + so.start_seconds, 30 + so.end_seconds],
      [30 + then.start_seconds, 30 + then.end_seconds],
    ]);
    expect(cues[1]?.start_seconds).toBeCloseTo(cat.start_seconds - 1.2);
    expect(cues[1]?.end_seconds).toBeCloseTo(ran.end_seconds - 1.2);
    expect(the.start_seconds).toBeLessThan(1.2);
    expect(the.end_seconds).toBeGreaterThan(1.2);
  });

  it('export as SRT or WebVTT in media time, masked or not', () => {
    const cues = [cue('what the hell', 61.5, 63)];
    const filter = new WordFilter(DEFAULT_WORD_FILTER_SETTINGS);
    expect(exportTranscript(cues, 'srt', filter)).toBe('1\n00:01:01,500 --> 00:01:03,000\nwhat the h***\n');
    expect(exportTranscript(cues, 'vtt', undefined)).toBe(
      'WEBVTT\n\n00:01:01.500 --> 00:01:03.000\nwhat the hell\n',
    );
    expect(exportFileName('My <video>: part 1', 'vtt')).toBe('My video part 1.vtt');
    expect(exportFileName('', 'srt')).toBe('transcript.srt');
  });

  it('export clean text: fillers and repeats dropped after masking, empty cues left out', () => {
    const cues = [cue('um I I think the hell', 1, 3), cue('uh hmm', 4, 5), cue('so so good', 6, 7)];
    const filter = new WordFilter(DEFAULT_WORD_FILTER_SETTINGS);
    expect(exportTranscript(cues, 'txt', filter, 'clean')).toBe('I think the h***\nso good\n');
    expect(exportTranscript(cues, 'txt', undefined, 'verbatim')).toBe(
      'um I I think the hell\nuh hmm\nso so good\n',
    );
  });
});

describe('replay silences', () => {
  it('announce cached blocked words once, as they come within the lookahead, starting a little early', () => {
    const announced = new Set<string>();
    const spans = [
      { start: 10, end: 10.4, nextStart: 10.45 },
      { start: 30, end: 30.5 },
    ];
    const nowMs = 1_000_000;
    const slackMs = CACHED_START_SLACK_SECONDS * 1000;
    expect(
      silencesDue(spans, { mediaTime: 10 - LOOKAHEAD_SECONDS - 0.1, rate: 1, nowMs }, announced),
    ).toEqual([]);
    expect(silencesDue(spans, { mediaTime: 9, rate: 1, nowMs }, announced)).toEqual([
      { startAtMs: nowMs + 1000 - slackMs, endAtMs: nowMs + 1400, nextStartAtMs: nowMs + 1450 },
    ]);
    expect(silencesDue(spans, { mediaTime: 9.5, rate: 1, nowMs }, announced)).toEqual([]);
    announced.clear();
    expect(silencesDue(spans, { mediaTime: 29.5, rate: 2, nowMs }, announced)).toEqual([
      { startAtMs: nowMs + 250 - slackMs / 2, endAtMs: nowMs + 500 },
    ]);
    expect(silencesDue(spans, { mediaTime: 9, rate: 0, nowMs }, new Set())).toEqual([]);
  });
});

describe('blocked words heard live', () => {
  const segment = (text: string, start: number, end: number, final: boolean): Segment => {
    const c = cue(text, start, end);
    return { id: 's1', text, start_seconds: start, end_seconds: end, confidence: 0.9, final, words: c.words };
  };

  it('are kept as first heard, so a replay silences a word the final caption reads otherwise', () => {
    const filter = new WordFilter(DEFAULT_WORD_FILTER_SETTINGS);
    const clock = new MediaClock();
    clock.note(0, 5, 1, true);
    const wallMsAt = (s: number) => s * 1000;
    // The interim reading hears "shit", the final one "shirt".
    const interim = heardBlockedWords([segment('that shit is', 2, 3.5, false)], filter, wallMsAt, clock);
    expect(interim.map((w) => [w.word, w.start_seconds, w.end_seconds])).toEqual([['shit', 7.5, 8]]);
    const final = [segment('that shirt is', 2, 3.5, true)];
    expect(heardBlockedWords(final, filter, wallMsAt, clock)).toEqual([]);
    const transcript = cuesInMediaTime(final, wallMsAt, clock).flatMap((c) => c.words);
    expect(filter.hits(transcript)).toEqual([]);

    const heard = mergeHeardBlockedWords([], interim);
    expect(heardBlockedSpans(heard, filter, transcript)).toEqual([{ start: 7.5, end: 8, nextStart: 8 }]);
    // Allowed since: the filter as it stands decides.
    const allowing = new WordFilter({ ...DEFAULT_WORD_FILTER_SETTINGS, allowedWords: ['shit'] });
    expect(heardBlockedSpans(heard, allowing, transcript)).toEqual([]);
  });

  it('give way to the same word heard again, and keep the others in time order', () => {
    const word = (w: string, start: number, end: number): Word => ({
      word: w,
      start_seconds: start,
      end_seconds: end,
      confidence: 0.9,
    });
    const merged = mergeHeardBlockedWords(
      [word('hell', 20, 20.4), word('damn', 3, 3.4)],
      [word('damn', 3.05, 3.45), word('crap', 10, 10.3)],
    );
    expect(merged.map((w) => [w.word, w.start_seconds])).toEqual([
      ['damn', 3.05],
      ['crap', 10],
      ['hell', 20],
    ]);
  });
});
