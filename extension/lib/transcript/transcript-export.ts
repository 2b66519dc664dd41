import {
  type CaptionTextMode,
  maskSegments,
  segmentsForMode,
  type TranscriptCue,
  toSrt,
  toWebVtt,
  type WordFilter,
} from '@earshot/shared';

export type TranscriptFormat = 'srt' | 'vtt' | 'txt';

export const FORMAT_TYPES: Record<TranscriptFormat, string> = {
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
  txt: 'text/plain',
};

/**
 * A video's cues as the user reads them: blocked words masked when a filter is given, then in the
 * chosen text mode (clean drops fillers and repeats); cues left empty go.
 */
export function shownCues(
  cues: readonly TranscriptCue[],
  filter: WordFilter | undefined,
  mode: CaptionTextMode = 'verbatim',
): TranscriptCue[] {
  const masked = filter ? maskSegments(filter, cues) : [...cues];
  return segmentsForMode(masked, mode).filter((cue) => cue.text.trim() !== '');
}

/** A video's transcript as a subtitle file (or plain text) in media time. */
export function exportTranscript(
  cues: readonly TranscriptCue[],
  format: TranscriptFormat,
  filter: WordFilter | undefined,
  mode: CaptionTextMode = 'verbatim',
): string {
  const shown = shownCues(cues, filter, mode);
  if (format === 'txt') return shown.map((cue) => `${cue.text.trim()}\n`).join('');
  return format === 'srt' ? toSrt(shown) : toWebVtt(shown);
}

/** A file name for the export: the video's title made safe, with the format's extension. */
export function exportFileName(title: string, format: TranscriptFormat): string {
  const base =
    title
      .replace(/[^\p{L}\p{N} ._-]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || 'transcript';
  return `${base}.${format}`;
}
