import type { Segment, TranscriptCue, Word } from '@earshot/shared';
import type { MediaClock } from './media-clock';

/** Cues kept per video: hours of speech. */
export const MAX_CUES_PER_VIDEO = 5000;

/**
 * A video's transcript after new cues came in: the passage a new cue covers was heard again, so
 * the old words said within it (by their middle) give way; the other words of an old cue stay,
 * as a neighbouring word whose end runs into the new cue does. Ordered by time.
 */
export function mergeCues(
  existing: readonly TranscriptCue[],
  incoming: readonly TranscriptCue[],
): TranscriptCue[] {
  const fresh = incoming.filter((c) => c.end_seconds > c.start_seconds && c.text.trim().length > 0);
  const heardAgain = (w: Word) => saidWithin(w, fresh);
  const kept = existing.flatMap((old) => {
    if (!old.words.some(heardAgain)) return [old];
    // What is left on either side of the passage heard again: a cue each.
    const sides: Word[][] = [[]];
    for (const w of old.words) {
      if (!heardAgain(w)) sides.at(-1)?.push(w);
      else if (sides.at(-1)?.length) sides.push([]);
    }
    return sides.flatMap((words) => cueOf(words, old.translated) ?? []);
  });
  const merged = [...kept, ...fresh].sort((a, b) => a.start_seconds - b.start_seconds);
  return merged.slice(-MAX_CUES_PER_VIDEO);
}

/** Whether a word's middle lies within one of the passages: it was said there. */
export function saidWithin(
  word: Word,
  passages: readonly { start_seconds: number; end_seconds: number }[],
): boolean {
  const middle = (word.start_seconds + word.end_seconds) / 2;
  return passages.some((p) => p.start_seconds <= middle && middle <= p.end_seconds);
}

/**
 * A word of a reply (recording time) in media time; undefined when the clock cannot place it yet
 * or the media jumped while it was said.
 */
export function wordInMediaTime(
  w: Word,
  wallMsAt: (recordingSeconds: number) => number,
  clock: MediaClock,
): Word | undefined {
  const startMs = wallMsAt(w.start_seconds);
  const endMs = wallMsAt(w.end_seconds);
  const start = clock.mediaTimeAt(startMs);
  const end = clock.mediaTimeAt(endMs);
  if (start === undefined || end === undefined || end < start || !clock.continuous(startMs, endMs))
    return undefined;
  return { ...w, start_seconds: start, end_seconds: end };
}

function cueOf(words: Word[], translated?: boolean): TranscriptCue | undefined {
  const first = words[0];
  const last = words.at(-1);
  if (!first || !last) return undefined;
  const text = words.map((w) => w.word.trim()).join(' ');
  return {
    start_seconds: first.start_seconds,
    end_seconds: last.end_seconds,
    text,
    words,
    ...(translated ? { translated } : {}),
  };
}

/**
 * The final segments of a reply as cues in media time. A segment whose words straddle a seek is
 * split there, each side a cue of its own; words the clock cannot place yet are left out. Cues of
 * a translation say so.
 */
export function cuesInMediaTime(
  segments: readonly Segment[],
  wallMsAt: (recordingSeconds: number) => number,
  clock: MediaClock,
  translated = false,
): TranscriptCue[] {
  const cues: TranscriptCue[] = [];
  for (const segment of segments) {
    if (!segment.final) continue;
    let run: Word[] = [];
    let runEndMs: number | undefined;
    const close = () => {
      const cue = cueOf(run, translated);
      if (cue) cues.push(cue);
      run = [];
    };
    for (const w of segment.words) {
      const placed = wordInMediaTime(w, wallMsAt, clock);
      if (!placed || (runEndMs !== undefined && !clock.continuous(runEndMs, wallMsAt(w.start_seconds))))
        close();
      if (!placed) continue;
      run.push(placed);
      runEndMs = wallMsAt(w.end_seconds);
    }
    close();
  }
  return cues;
}
