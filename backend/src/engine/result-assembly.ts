import type { SoundLevels } from './sound-levels.js';
import type { DecodedToken } from './tdt-decoder.js';
import type { RecognitionResult, RecognizedToken, RecognizedWord } from './types.js';
import { isControlPiece, type Vocabulary, WORD_START } from './vocab.js';

export interface Timing {
  /** Seconds per encoder frame. */
  frameShift: number;
  /** Seconds of audio in the stream; no word ends after it. */
  duration: number;
  /** The stream's loudness, to end a run-on where the sound stops. */
  levels?: SoundLevels;
}

/**
 * How long a token whose duration is 0 may run on past its frame. Such a token (every token of a
 * plain RNN-T, and of a TDT model whose duration head says "stay") is emitted near the start of its
 * sound and says nothing of its end; the next word's start, or the sound falling quiet, cuts the
 * run sooner. Chosen with `pnpm bench:word-timing` against espeak-ng's own word boundaries (figures
 * in the README's Performance section): a shorter run leaves more word tails outside the word
 * filter's padding, a longer one silences more of the next word in speech that never pauses.
 */
const UNTIMED_TOKEN_RUN_ON_SECONDS = 0.32;

/**
 * Turns decoded tokens into timed tokens and words. A piece starting with `▁` opens a word. A word
 * runs from its first token's frame to its last token's frame plus that token's duration, or plus
 * `UNTIMED_TOKEN_RUN_ON_SECONDS` for a token of duration 0, cut at the next word's start, at the end
 * of the audio, and (given `levels`) where the sound falls quiet. Word confidence is the minimum of
 * its tokens' confidences: one unsure piece makes the whole word unsure, which is what a word filter
 * deciding whether to act on a word needs.
 */
export function assembleResult(
  decoded: readonly DecodedToken[],
  vocab: Vocabulary,
  timing: Timing,
): RecognitionResult {
  const { tokens, words } = assembleWords(decoded, vocab, timing);
  return {
    text: words.map((w) => w.word).join(' '),
    tokens,
    words: words.map(({ word, start, end, confidence }) => ({ word, start, end, confidence })),
  };
}

/** A word of `assembleWords` with where it came from. */
export interface AssembledWord extends RecognizedWord {
  /** Indexes in `decoded` of the word's first and last tokens. */
  firstToken: number;
  lastToken: number;
  /** Where the word would end if nothing followed it: its last token's frame plus duration or run-on. */
  reach: number;
}

/** `assembleResult`'s tokens and words, each word saying which decoded token ends it. */
export function assembleWords(
  decoded: readonly DecodedToken[],
  vocab: Vocabulary,
  timing: Timing,
): { tokens: RecognizedToken[]; words: AssembledWord[] } {
  const { frameShift, duration, levels } = timing;
  const tokens: RecognizedToken[] = [];
  // Each word's end here is its last token's, before the cuts; `runOnFrom` is set while that
  // token has duration 0 and says where its own frame ends.
  const words: (RecognizedWord & { runOnFrom?: number; firstToken: number; lastToken: number })[] = [];
  for (const [index, token] of decoded.entries()) {
    const piece = vocab.pieces[token.id] ?? '';
    if (isControlPiece(piece)) continue;
    const start = round(token.frame * frameShift);
    tokens.push({
      id: token.id,
      text: piece.replaceAll(WORD_START, ' '),
      start,
      confidence: token.confidence,
    });
    const end = start + (token.step > 0 ? frameShift * token.step : UNTIMED_TOKEN_RUN_ON_SECONDS);
    const runOnFrom = token.step > 0 ? undefined : start + frameShift;
    const current = words.at(-1);
    if (piece.startsWith(WORD_START) || !current) {
      words.push({
        word: piece.replaceAll(WORD_START, ''),
        start,
        end,
        confidence: token.confidence,
        runOnFrom,
        firstToken: index,
        lastToken: index,
      });
    } else {
      current.word += piece.replaceAll(WORD_START, '');
      current.end = end;
      current.runOnFrom = runOnFrom;
      current.confidence = Math.min(current.confidence, token.confidence);
      current.lastToken = index;
    }
  }
  const kept = words.filter((w) => w.word !== '');
  const result: AssembledWord[] = kept.map((w, i) => {
    const cut = Math.min(w.end, kept[i + 1]?.start ?? Infinity, duration);
    const end = levels && w.runOnFrom !== undefined ? levels.quietAfter(w.runOnFrom, cut) : cut;
    return {
      word: w.word,
      start: w.start,
      end: round(Math.max(w.start, end)),
      confidence: w.confidence,
      firstToken: w.firstToken,
      lastToken: w.lastToken,
      reach: w.end,
    };
  });
  return { tokens, words: result };
}

/** Frame arithmetic in floats leaves 0.30000000000000004-style noise; microseconds are plenty. */
function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
