import type { Word } from '../protocol';
import type { WordFilter } from './word-filter';

/**
 * Segments (or transcript cues) as they may be shown: every blocked word masked, in `words` and in `text`. The words
 * of all segments are read as one run (in the order given), so a word split across two
 * segments is masked in both. A segment without word timings has its text masked token by token.
 */
export function maskSegments<T extends { text: string; words: Word[] }>(
  filter: WordFilter,
  segments: readonly T[],
): T[] {
  const run: Word[] = segments.flatMap((s) => s.words);
  const masked = filter.maskWords(run);
  let offset = 0;
  return segments.map((segment) => {
    if (segment.words.length === 0) {
      return { ...segment, text: maskText(filter, segment.text) };
    }
    const words = masked.slice(offset, offset + segment.words.length);
    offset += segment.words.length;
    return { ...segment, words, text: words.map((w) => w.word.trim()).join(' ') };
  });
}

/** Plain text with each blocked token masked; whitespace is kept as it was. */
export function maskText(filter: WordFilter, text: string): string {
  return text
    .split(/(\s+)/)
    .map((part) => (/^\s*$/.test(part) ? part : filter.mask(part)))
    .join('');
}
