import { maskSegments, type TranscriptCue, toSrt, toWebVtt, type WordFilter } from '@earshot/shared';

export type TranscriptFormat = 'srt' | 'vtt';

/** A video's transcript as a subtitle file in media time; blocked words masked when a filter is given. */
export function exportTranscript(
  cues: readonly TranscriptCue[],
  format: TranscriptFormat,
  filter: WordFilter | undefined,
): string {
  const shown = filter ? maskSegments(filter, cues) : cues;
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
