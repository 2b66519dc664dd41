import type { TranscriptCue } from '@earshot/shared';

/** Cues kept per video: hours of speech. */
export const MAX_CUES_PER_VIDEO = 5000;

/**
 * A video's transcript after new cues came in: a new cue replaces the old cues it overlaps
 * (the same passage heard again), the rest stay; ordered by time.
 */
export function mergeCues(
  existing: readonly TranscriptCue[],
  incoming: readonly TranscriptCue[],
): TranscriptCue[] {
  const fresh = incoming.filter((c) => c.end_seconds > c.start_seconds && c.text.trim().length > 0);
  const kept = existing.filter(
    (old) => !fresh.some((c) => c.start_seconds < old.end_seconds && old.start_seconds < c.end_seconds),
  );
  const merged = [...kept, ...fresh].sort((a, b) => a.start_seconds - b.start_seconds);
  return merged.slice(-MAX_CUES_PER_VIDEO);
}
