import { isControlPiece, type Vocabulary, WORD_START } from '../vocab.js';
import type { DecodedToken } from './recognizer.js';
import type { UntimedWord } from './word-times.js';

/**
 * Canary's pieces as words: a piece starting with `▁` opens a word, the others continue it; control
 * tokens carry no text. A word's confidence is its least sure piece's probability.
 */
export function piecesToWords(decoded: readonly DecodedToken[], vocab: Vocabulary): UntimedWord[] {
  const words: UntimedWord[] = [];
  for (const token of decoded) {
    const piece = vocab.pieces[token.id] ?? '';
    if (isControlPiece(piece)) continue;
    const text = piece.replaceAll(WORD_START, ' ');
    const current = words.at(-1);
    const entry = { id: token.id, text, confidence: token.confidence };
    if (piece.startsWith(WORD_START) || !current) {
      words.push({ word: text.trim(), confidence: token.confidence, tokens: [entry] });
    } else {
      current.word += text;
      current.confidence = Math.min(current.confidence, token.confidence);
      current.tokens.push(entry);
    }
  }
  return words.filter((w) => w.word !== '');
}
