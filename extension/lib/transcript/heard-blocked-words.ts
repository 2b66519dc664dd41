import type { Segment, Word, WordFilter } from '@earshot/shared';
import type { MediaClock } from './media-clock';
import type { MediaSpan } from './replay-silences';

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
        const w = segment.words[i] as Word;
        const startMs = wallMsAt(w.start_seconds);
        const endMs = wallMsAt(w.end_seconds);
        const start = clock.mediaTimeAt(startMs);
        const end = clock.mediaTimeAt(endMs);
        if (start === undefined || end === undefined || end < start || !clock.continuous(startMs, endMs))
          continue;
        heard.push({ ...w, start_seconds: start, end_seconds: end });
      }
    }
  }
  return heard;
}

/** Heard blocked words after more came in: a word heard again (its middle within a new one) gives way. */
export function mergeHeardBlockedWords(existing: readonly Word[], incoming: readonly Word[]): Word[] {
  const heardAgain = (w: Word) => {
    const middle = (w.start_seconds + w.end_seconds) / 2;
    return incoming.some((n) => n.start_seconds <= middle && middle <= n.end_seconds);
  };
  return [...existing.filter((w) => !heardAgain(w)), ...incoming]
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
