import { readFileSync } from 'node:fs';
import { ModelLoadError } from './errors.js';

/** SentencePiece's word-boundary mark: a piece starting with it begins a new word. */
export const WORD_START = '\u2581';

export interface Vocabulary {
  /** Piece text by token id. */
  pieces: string[];
  blankId: number;
}

/** Reads a `piece id` per line vocab.txt; blank is `<blk>` (or the last id when it is not named). */
export function readVocabulary(file: string): Vocabulary {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ModelLoadError(`Cannot read vocabulary ${file}: ${(error as Error).message}`, { cause: error });
  }
  const pieces: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = /^(.*) (\d+)\s*$/.exec(line);
    if (!match?.[1] || match[2] === undefined) {
      throw new ModelLoadError(`${file}:${index + 1}: expected "<piece> <id>", got ${JSON.stringify(line)}`);
    }
    pieces[Number(match[2])] = match[1];
  }
  if (pieces.length === 0) throw new ModelLoadError(`${file} holds no tokens`);
  for (let id = 0; id < pieces.length; id++) {
    if (pieces[id] === undefined) throw new ModelLoadError(`${file}: token id ${id} is missing`);
  }
  const named = pieces.indexOf('<blk>');
  return { pieces, blankId: named === -1 ? pieces.length - 1 : named };
}

/** Control pieces such as `<unk>` or `<|endoftext|>` carry no text. */
export function isControlPiece(piece: string): boolean {
  return piece.length > 2 && piece.startsWith('<') && piece.endsWith('>');
}
