import type { Segment, Word } from './protocol';

/** Verbatim shows every word heard; clean drops fillers and words said twice in a row. */
export type CaptionTextMode = 'verbatim' | 'clean';

/** Hesitation sounds a clean caption leaves out (as clean transcripts do), any case, any lengthening. */
const FILLER = /^(u+h+m*|u+m+|e+r+m*|h+m+|m+h*m+|a+h+|e+h+)$/;

function bare(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'*]+/gu, '')
    .trim();
}

export function isFiller(text: string): boolean {
  return FILLER.test(bare(text));
}

/**
 * Clean reading of a run of words: fillers (um, uh, er, hmm …) go, and so does a word or a pair
 * of words said again at once ("I I think" → "I think", "you know you know" → "you know").
 * Times of the kept words are untouched, so what is shown still lines up with what was heard.
 */
export function cleanWords<T>(words: readonly T[], textOf: (word: T) => string): T[] {
  const kept = words.filter((w) => !isFiller(textOf(w)));
  const out: T[] = [];
  const same = (a: T | undefined, b: T | undefined) =>
    a !== undefined && b !== undefined && bare(textOf(a)) !== '' && bare(textOf(a)) === bare(textOf(b));
  for (const word of kept) {
    out.push(word);
    const n = out.length;
    // The later saying stays: it is the one the speaker went on from ("I, I think" → "I think").
    if (same(out[n - 1], out[n - 2])) out.splice(n - 2, 1);
    else if (n >= 4 && same(out[n - 1], out[n - 3]) && same(out[n - 2], out[n - 4])) out.splice(n - 4, 2);
  }
  return out;
}

/**
 * Segments (or cues) as the chosen mode shows them, one for one (callers pair them with their
 * originals): a segment left with nothing to show has empty text and no words.
 */
export function segmentsForMode<S extends Pick<Segment, 'text' | 'words'>>(
  segments: readonly S[],
  mode: CaptionTextMode,
): S[] {
  if (mode === 'verbatim') return [...segments];
  return segments.map((segment) => {
    if (segment.words.length === 0) {
      return { ...segment, text: cleanWords(segment.text.split(/\s+/).filter(Boolean), (t) => t).join(' ') };
    }
    const words = cleanWords(segment.words, (w: Word) => w.word);
    if (words.length === segment.words.length) return segment;
    return { ...segment, words, text: words.map((w) => w.word.trim()).join(' ') };
  });
}
