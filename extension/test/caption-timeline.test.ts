import {
  type CaptionsUpdate,
  DEFAULT_WORD_FILTER_SETTINGS,
  maskSegments,
  type Segment,
  WordFilter,
} from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { CaptionTimeline, heardAtMs } from '../lib/captions/caption-timeline';

const T0 = 1_700_000_000_000;
const options = { holdMs: 3000, minDisplayMs: 1500, staleMs: 10_000 };

function segment(id: string, text: string, start: number, end: number, final: boolean): Segment {
  return { id, text, start_seconds: start, end_seconds: end, confidence: 0.9, final, words: [] };
}

function update(recordingId: string, segments: Segment[], recordingStartedAtMs = T0): CaptionsUpdate {
  return { type: 'earshot/captions', tabId: 1, recordingId, recordingStartedAtMs, segments };
}

describe('CaptionTimeline', () => {
  it('maps recording time to the wall clock at which the audio was heard', () => {
    expect(heardAtMs(T0, 2.5)).toBe(T0 + 2500);
  });

  it('shows a segment on arrival and hides it a hold time after its end was heard', () => {
    const timeline = new CaptionTimeline(options);
    // Words heard from 1 s to 2 s into the recording; the reply arrives at 3.2 s.
    timeline.apply(update('r', [segment('a', 'the cat sat', 1, 2, true)]), T0 + 3200);
    expect(timeline.visible(T0 + 3200)).toEqual([{ text: 'the cat sat', final: true }]);
    expect(timeline.visible(T0 + 4999)).toHaveLength(1);
    expect(timeline.visible(T0 + 5000)).toEqual([]);
  });

  it('keeps a late segment readable for the minimum display time', () => {
    const timeline = new CaptionTimeline(options);
    timeline.apply(update('r', [segment('a', 'late words', 0, 1, true)]), T0 + 7000);
    expect(timeline.visible(T0 + 8400)).toHaveLength(1);
    expect(timeline.visible(T0 + 8500)).toEqual([]);
  });

  it('drops segments that arrive too late to mean anything', () => {
    const timeline = new CaptionTimeline(options);
    timeline.apply(update('r', [segment('a', 'ancient', 0, 1, true)]), T0 + 12_000);
    expect(timeline.visible(T0 + 12_000)).toEqual([]);
  });

  it('replaces interim text with the next update and keeps finals, oldest first', () => {
    const timeline = new CaptionTimeline(options);
    timeline.apply(update('r', [segment('i1', 'the dog', 0, 1, false)]), T0 + 1500);
    timeline.apply(
      update('r', [segment('f1', 'the dog ran', 0, 1.2, true), segment('i2', 'to the', 1.3, 2, false)]),
      T0 + 2500,
    );
    expect(timeline.visible(T0 + 2500)).toEqual([
      { text: 'the dog ran', final: true },
      { text: 'to the', final: false },
    ]);
    timeline.apply(update('r', [segment('i3', 'to the park', 1.3, 2.6, false)]), T0 + 3000);
    expect(timeline.visible(T0 + 3000)).toEqual([
      { text: 'the dog ran', final: true },
      { text: 'to the park', final: false },
    ]);
  });

  it('an update without interim clears the interim text but keeps finals', () => {
    const timeline = new CaptionTimeline(options);
    timeline.apply(
      update('r', [segment('f1', 'good', 0, 0.5, true), segment('i1', 'hello', 0.6, 1, false)]),
      T0 + 1000,
    );
    timeline.apply(update('r', []), T0 + 1500);
    expect(timeline.visible(T0 + 1500)).toEqual([{ text: 'good', final: true }]);
  });

  it('keeps recordings apart: a new recording does not erase the previous one’s finals', () => {
    const timeline = new CaptionTimeline(options);
    timeline.apply(update('r1', [segment('a', 'first', 0, 1, true)]), T0 + 1500);
    timeline.apply(update('r2', [segment('a', 'second', 0, 0.5, false)], T0 + 2000), T0 + 3000);
    expect(timeline.visible(T0 + 3000).map((p) => p.text)).toEqual(['first', 'second']);
  });

  it('with a playback delay, shows words only once they are heard and masks them first', () => {
    const timeline = new CaptionTimeline(options);
    const filter = new WordFilter(DEFAULT_WORD_FILTER_SETTINGS);
    timeline.setMask((segments) => maskSegments(filter, segments));
    const words = [
      { word: 'oh', start_seconds: 1, end_seconds: 1.2, confidence: 0.9 },
      { word: 'shit,', start_seconds: 1.4, end_seconds: 1.7, confidence: 0.9 },
      { word: 'really', start_seconds: 1.9, end_seconds: 2.3, confidence: 0.9 },
    ];
    const said: Segment = { ...segment('a', 'oh shit, really', 1, 2.3, false), words };
    // Heard 3 s late; the reply came 1.5 s after the words were captured.
    timeline.apply({ ...update('r', [said]), playbackDelaySeconds: 3 }, T0 + 3800);
    expect(timeline.visible(T0 + 3800)).toEqual([]);
    expect(timeline.pending(T0 + 3800)).toBe(true);
    expect(timeline.visible(T0 + 4000)).toEqual([{ text: 'oh', final: false }]);
    expect(timeline.visible(T0 + 4400)).toEqual([{ text: 'oh s***,', final: false }]);
    expect(timeline.visible(T0 + 5000)).toEqual([{ text: 'oh s***, really', final: false }]);
    expect(timeline.visible(T0 + 8300)).toEqual([]);
    expect(timeline.pending(T0 + 8300)).toBe(false);
  });

  it('after the page switches media, drops what is shown and never shows words heard before', () => {
    const timeline = new CaptionTimeline(options);
    const w = (word: string, start: number) => ({
      word,
      start_seconds: start,
      end_seconds: start + 0.4,
      confidence: 1,
    });
    timeline.apply(update('r', [segment('a', 'old video', 0, 1, true)]), T0 + 1200);
    timeline.startOver(T0 + 2000);
    expect(timeline.visible(T0 + 2000)).toEqual([]);
    // A reply still on its way: its words straddle the switch, only those heard after it show.
    const straddling = {
      ...segment('b', 'old words new words', 1, 3, true),
      words: [w('old', 1), w('words', 1.5), w('new', 2.1), w('words', 2.5)],
    };
    timeline.apply(update('r', [straddling, segment('c', 'older', 0.5, 1.8, false)]), T0 + 3200);
    expect(timeline.visible(T0 + 3200)).toEqual([{ text: 'new words', final: true }]);
  });
});
