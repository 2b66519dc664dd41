import type { Segment, TranscriptCue, Word } from '@earshot/shared';
import type { MediaClock } from './media-clock';

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

/**
 * The final segments of a reply as cues in media time. A segment whose words straddle a seek is
 * split there, each side a cue of its own; words the clock cannot place yet are left out.
 */
export function cuesInMediaTime(
  segments: readonly Segment[],
  wallMsAt: (recordingSeconds: number) => number,
  clock: MediaClock,
): TranscriptCue[] {
  const cues: TranscriptCue[] = [];
  for (const segment of segments) {
    if (!segment.final) continue;
    let run: Word[] = [];
    let runEndMs: number | undefined;
    const close = () => {
      const first = run[0];
      const last = run.at(-1);
      if (first && last) {
        const text = run.map((w) => w.word.trim()).join(' ');
        cues.push({ start_seconds: first.start_seconds, end_seconds: last.end_seconds, text, words: run });
      }
      run = [];
    };
    for (const w of segment.words) {
      const startMs = wallMsAt(w.start_seconds);
      const endMs = wallMsAt(w.end_seconds);
      const start = clock.mediaTimeAt(startMs);
      const end = clock.mediaTimeAt(endMs);
      const placed =
        start !== undefined && end !== undefined && end >= start && clock.continuous(startMs, endMs);
      if (!placed || (runEndMs !== undefined && !clock.continuous(runEndMs, startMs))) close();
      if (!placed) continue;
      run.push({ ...w, start_seconds: start, end_seconds: end });
      runEndMs = endMs;
    }
    close();
  }
  return cues;
}
