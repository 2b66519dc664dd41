import type { TranscriptCue } from '@earshot/shared';

/** A media time as the side panel shows it: m:ss, or h:mm:ss past an hour. */
export function mediaTimeLabel(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export interface FoundLine {
  cue: TranscriptCue;
  /** The line's text cut where the query matches, for highlighting. */
  parts: { text: string; match: boolean }[];
}

/** The lines holding `query` (any case; every line when it is blank), with the matches marked. */
export function searchLines(cues: readonly TranscriptCue[], query: string): FoundLine[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return cues.map((cue) => ({ cue, parts: [{ text: cue.text, match: false }] }));
  return cues.flatMap((cue) => {
    const lower = cue.text.toLowerCase();
    const parts: FoundLine['parts'] = [];
    let from = 0;
    for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
      if (at > from) parts.push({ text: cue.text.slice(from, at), match: false });
      parts.push({ text: cue.text.slice(at, at + needle.length), match: true });
      from = at + needle.length;
    }
    if (from === 0) return [];
    if (from < cue.text.length) parts.push({ text: cue.text.slice(from), match: false });
    return [{ cue, parts }];
  });
}

/** Pause between cues that starts a new line in the side panel. */
const LINE_BREAK_SECONDS = 0.8;
const LINE_CHARS = 90;

/**
 * Cues joined into lines a reader follows: the recognizer finalises a few words at a time, so cues
 * said without a pause between them make one line, up to about LINE_CHARS characters.
 */
export function joinCues(cues: readonly TranscriptCue[]): TranscriptCue[] {
  const lines: TranscriptCue[] = [];
  for (const cue of cues) {
    const last = lines.at(-1);
    if (
      last &&
      cue.start_seconds - last.end_seconds < LINE_BREAK_SECONDS &&
      last.text.length + 1 + cue.text.length <= LINE_CHARS
    ) {
      lines[lines.length - 1] = {
        start_seconds: last.start_seconds,
        end_seconds: Math.max(last.end_seconds, cue.end_seconds),
        text: `${last.text} ${cue.text.trim()}`,
        words: [...last.words, ...cue.words],
      };
    } else {
      lines.push({ ...cue, text: cue.text.trim() });
    }
  }
  return lines;
}
