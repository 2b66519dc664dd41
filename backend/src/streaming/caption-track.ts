import type { Segment } from '@earshot/shared';
import type { TimedWord } from './timed-word';

/**
 * Turns committed and interim words of one recording into wire segments: each batch of committed words
 * becomes a final segment with the next stable id (`<recording>-<n>`); the interim words always travel
 * as the single segment `<recording>-interim`, which the client replaces on every response.
 */
export class CaptionTrack {
  private nextIndex = 0;

  constructor(private readonly recordingId: string) {}

  get interimId(): string {
    return `${this.recordingId}-interim`;
  }

  finalSegment(words: readonly TimedWord[]): Segment | null {
    if (words.length === 0) return null;
    return toSegment(`${this.recordingId}-${this.nextIndex++}`, words, true);
  }

  interimSegment(words: readonly TimedWord[]): Segment | null {
    if (words.length === 0) return null;
    return toSegment(this.interimId, words, false);
  }
}

function toSegment(id: string, words: readonly TimedWord[], final: boolean): Segment {
  const first = words[0] as TimedWord;
  const last = words.at(-1) as TimedWord;
  const confidence = words.reduce((sum, w) => sum + w.confidence, 0) / words.length;
  return {
    id,
    text: words.map((w) => w.word.trim()).join(' '),
    start_seconds: roundTime(first.start),
    end_seconds: roundTime(Math.max(last.end, first.start)),
    confidence: clamp01(confidence),
    final,
    words: words.map((w) => ({
      word: w.word.trim(),
      start_seconds: roundTime(w.start),
      end_seconds: roundTime(Math.max(w.end, w.start)),
      confidence: clamp01(w.confidence),
    })),
  };
}

function roundTime(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1000) / 1000);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
