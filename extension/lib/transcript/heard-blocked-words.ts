import type { Segment, Word, WordFilter } from '@earshot/shared';
import type { MediaClock } from './media-clock';
import type { MediaSpan } from './replay-silences';
import { saidWithin, wordInMediaTime } from './transcript-cues';

/** Heard blocked words kept per video. */
export const MAX_HEARD_BLOCKED_WORDS = 2000;

/**
 * The blocked words of a reply that the filter silences, interim readings included, in media time
 * (words the clock cannot place, or that straddle a seek, are left out).
 */
export function heardBlockedWords(
  segments: readonly Segment[],
  filter: WordFilter,
  wallMsAt: (recordingSeconds: number) => number,
  clock: MediaClock,
): Word[] {
  const heard: Word[] = [];
  for (const segment of segments) {
    for (const hit of filter.hits(segment.words)) {
      if (!hit.mute) continue;
      for (const i of hit.indices) {
        const placed = wordInMediaTime(segment.words[i] as Word, wallMsAt, clock);
        if (placed) heard.push(placed);
      }
    }
  }
  return heard;
}

/** Heard blocked words after more came in: a word heard again (its middle within a new one) gives way. */
export function mergeHeardBlockedWords(existing: readonly Word[], incoming: readonly Word[]): Word[] {
  return [...existing.filter((w) => !saidWithin(w, incoming)), ...incoming]
    .sort((a, b) => a.start_seconds - b.start_seconds)
    .slice(-MAX_HEARD_BLOCKED_WORDS);
}

/**
 * Where heard blocked words are to be silenced on a replay, by the filter as it stands now. Their
 * padding stops at the transcript's next word after a word's middle, as a transcript's own hits
 * stop at their next word.
 */
export function heardBlockedSpans(
  heard: readonly Word[],
  filter: WordFilter,
  transcript: readonly Word[],
): MediaSpan[] {
  return filter
    .hits(heard)
    .filter((hit) => hit.mute)
    .map((hit) => {
      const middle = (hit.start_seconds + hit.end_seconds) / 2;
      const next = transcript.find((w) => w.start_seconds > middle);
      return {
        start: hit.start_seconds,
        end: hit.end_seconds,
        ...(next ? { nextStart: next.start_seconds } : {}),
      };
    });
}
