import path from 'node:path';

/** A word with its times in seconds, as the engines give them. */
export interface CtmWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

/**
 * The words in NIST's CTM form, one a line: `<file> <channel> <start> <duration> <word> <confidence>`,
 * as sclite scores them and Reverb writes them (channel 1, times and confidence to the hundredth).
 */
export function toCtm(words: readonly CtmWord[], file: string): string {
  const id = ctmFileId(file);
  return words
    .filter((w) => w.word.trim() !== '')
    .map((w) => {
      const start = Math.max(0, w.start);
      const duration = Math.max(0, w.end - start);
      const word = w.word.trim().replace(/\s+/g, '_');
      return `${id} 1 ${start.toFixed(2)} ${duration.toFixed(2)} ${word} ${w.confidence.toFixed(2)}\n`;
    })
    .join('');
}

/** The recording's name in CTM's first column: the file's name without folder or extension, no spaces. */
export function ctmFileId(file: string): string {
  const base = path.basename(file, path.extname(file)).trim();
  return base.replace(/\s+/g, '_') || 'audio';
}
