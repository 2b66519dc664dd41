import type { RecognizedWord } from '../engine/types';

/** A stretch of a transcript shown as one caption; times in seconds from the start of the file. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  words: RecognizedWord[];
}

export interface SegmentLimits {
  /** A silence longer than this between two words starts a new segment. */
  maxPauseSeconds: number;
  /** A segment is closed before it would grow longer than this. */
  maxDurationSeconds: number;
  maxWords: number;
}

export const DEFAULT_SEGMENT_LIMITS: SegmentLimits = {
  maxPauseSeconds: 0.7,
  maxDurationSeconds: 12,
  maxWords: 20,
};

function toSegment(words: RecognizedWord[]): TranscriptSegment {
  const first = words[0];
  const last = words[words.length - 1];
  return {
    start: first?.start ?? 0,
    end: last?.end ?? 0,
    text: words.map((w) => w.word).join(' '),
    words,
  };
}

/** Groups time-ordered words into caption-sized segments, breaking at pauses and at size limits. */
export function segmentWords(
  words: readonly RecognizedWord[],
  limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS,
): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: RecognizedWord[] = [];
  for (const word of words) {
    const first = current[0];
    const previous = current[current.length - 1];
    const breaks =
      first !== undefined &&
      previous !== undefined &&
      (word.start - previous.end > limits.maxPauseSeconds ||
        word.end - first.start > limits.maxDurationSeconds ||
        current.length >= limits.maxWords);
    if (breaks) {
      segments.push(toSegment(current));
      current = [];
    }
    current.push(word);
  }
  if (current.length > 0) segments.push(toSegment(current));
  return segments;
}
