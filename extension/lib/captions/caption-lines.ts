import type { CaptionPiece } from './caption-timeline';

/**
 * Wraps caption pieces greedily into lines of at most `maxChars` characters (a longer word gets
 * a line of its own) and keeps only the last `maxLines` lines: the newest words. Neighbouring
 * words with the same finality are merged back into one piece per line.
 */
export function lastLines(pieces: CaptionPiece[], maxChars: number, maxLines: number): CaptionPiece[][] {
  const lines: { words: CaptionPiece[]; length: number }[] = [];
  for (const piece of pieces) {
    for (const word of piece.text.split(/\s+/).filter(Boolean)) {
      const line = lines.at(-1);
      if (line && line.length + 1 + word.length <= maxChars) {
        line.words.push({ text: word, final: piece.final });
        line.length += 1 + word.length;
      } else {
        lines.push({ words: [{ text: word, final: piece.final }], length: word.length });
      }
    }
  }
  return lines.slice(-maxLines).map((line) => mergeSameFinality(line.words));
}

function mergeSameFinality(words: CaptionPiece[]): CaptionPiece[] {
  const merged: CaptionPiece[] = [];
  for (const word of words) {
    const last = merged.at(-1);
    if (last && last.final === word.final) last.text += ` ${word.text}`;
    else merged.push({ ...word });
  }
  return merged;
}
