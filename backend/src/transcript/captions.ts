import type { TimedCaption } from '@earshot/shared';
import type { TranscriptSegment } from './segments';

/** Shortest time a caption stays on screen, unless the next one starts sooner. */
export const MIN_CAPTION_SECONDS = 1;

/**
 * Segments as subtitle cues. A one-word segment can last a fifth of a second, too short to read,
 * so each cue is held for at least `minSeconds`, but never past the start of the next one.
 */
export function toCaptions(
  segments: readonly TranscriptSegment[],
  minSeconds = MIN_CAPTION_SECONDS,
): TimedCaption[] {
  return segments.map((s, i) => {
    const next = segments[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    const end = Math.max(s.end, Math.min(s.start + minSeconds, next));
    return { start_seconds: s.start, end_seconds: end, text: s.text };
  });
}
