import { dynamic_time_warping, medianFilter } from '@huggingface/transformers';
import type { RecognizedToken, RecognizedWord } from '../types.js';
import { TIME_PRECISION } from './model-config.js';
import type { WhisperText } from './tokenizer.js';

export interface WhisperSegment {
  text: string;
  start: number;
  end: number;
}

export interface TimedText {
  segments: WhisperSegment[];
  tokens: RecognizedToken[];
  words: RecognizedWord[];
}

interface SegmentTokens {
  start: number;
  end: number;
  /** Indices of text tokens in the generated sequence. */
  indices: number[];
}

/**
 * Splits a generated sequence at its timestamp tokens: `<|t0|> text <|t1|><|t1|> text <|t2|>`.
 * Without timestamps (or before the first one) text spans the whole window; a segment left open at
 * the end closes with the audio; every time stays inside the audio.
 */
export function splitSegments(
  tokens: readonly number[],
  timestampBegin: number,
  duration: number,
): SegmentTokens[] {
  const time = (id: number) => Math.min(duration, (id - timestampBegin) * TIME_PRECISION);
  const segments: SegmentTokens[] = [];
  let open: SegmentTokens | null = null;
  tokens.forEach((id, index) => {
    if (id >= timestampBegin) {
      if (open && open.indices.length > 0) {
        open.end = Math.max(open.start, time(id));
        segments.push(open);
        open = null;
      } else open = { start: time(id), end: duration, indices: [] };
      return;
    }
    open ??= { start: segments.at(-1)?.end ?? 0, end: duration, indices: [] };
    open.indices.push(index);
  });
  if (open !== null && (open as SegmentTokens).indices.length > 0) segments.push(open);
  return segments;
}

/**
 * Token start times from cross-attention: the alignment heads' weights, normalised per frame
 * across tokens, median-filtered along time and averaged over heads, are aligned to the frames by
 * dynamic time warping; a token starts where the path first reaches it (as OpenAI's word timing).
 */
export function alignTokens(
  attention: readonly Float32Array[][],
  frames: number,
  medianWidth: number,
): number[] | null {
  const rows = attention.length;
  const heads = attention[0]?.length ?? 0;
  if (rows === 0 || heads === 0 || frames === 0) return null;
  const matrix = Array.from({ length: rows }, () => new Float64Array(frames));
  for (let h = 0; h < heads; h++) {
    const columns = Array.from(
      { length: rows },
      (_, r) => attention[r]?.[h]?.subarray(0, frames) ?? new Float32Array(frames),
    );
    for (let f = 0; f < frames; f++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += columns[r]?.[f] ?? 0;
      mean /= rows;
      let variance = 0;
      for (let r = 0; r < rows; r++) variance += ((columns[r]?.[f] ?? 0) - mean) ** 2;
      const std = Math.sqrt(variance / rows) || 1;
      for (let r = 0; r < rows; r++) (columns[r] as Float32Array)[f] = ((columns[r]?.[f] ?? 0) - mean) / std;
    }
    for (let r = 0; r < rows; r++) {
      const column = columns[r] as Float32Array;
      const smooth = frames >= medianWidth && medianWidth > 1 ? medianFilter(column, medianWidth) : column;
      const target = matrix[r] as Float64Array;
      for (let f = 0; f < frames; f++) target[f] = (target[f] ?? 0) + (smooth[f] ?? 0) / heads;
    }
  }
  const [textIndices = [], timeIndices = []] = dynamic_time_warping(
    matrix.map((row) => Array.from(row, (v) => -v)),
  );
  const starts = new Array<number>(rows).fill(Number.NaN);
  textIndices.forEach((row, i) => {
    if (row >= 0 && Number.isNaN(starts[row] as number)) starts[row] = (timeIndices[i] ?? 0) * TIME_PRECISION;
  });
  return starts.map((s, i) => (Number.isNaN(s) ? (starts[i - 1] ?? 0) : s));
}

/**
 * Timed tokens, words and segments. Token times come from `alignedStarts` when the export carries
 * alignment heads, else they are spread over their segment by character count. A word is a run of
 * tokens up to the next one that starts with a space; it ends where the next word starts, within its
 * segment. A word's confidence is its least sure token's probability.
 */
export function timeText(
  generated: readonly number[],
  logProbs: readonly number[],
  alignedStarts: readonly number[] | null,
  text: WhisperText,
  timestampBegin: number,
  duration: number,
): TimedText {
  const segments: WhisperSegment[] = [];
  const tokens: RecognizedToken[] = [];
  const words: RecognizedWord[] = [];
  const round = (s: number) => Math.round(s * 1e6) / 1e6;
  for (const segment of splitSegments(generated, timestampBegin, duration)) {
    const ids = segment.indices.map((i) => generated[i] as number);
    const pieces = text.pieces(ids);
    const totalChars = pieces.reduce((n, p) => n + p.text.length, 0) || 1;
    let chars = 0;
    const wordsBefore = words.length;
    for (const piece of pieces) {
      const first = segment.indices[piece.indices[0] ?? 0] ?? 0;
      const spread = segment.start + ((segment.end - segment.start) * chars) / totalChars;
      const aligned = alignedStarts?.[first];
      const start = round(Math.min(segment.end, Math.max(segment.start, aligned ?? spread)));
      chars += piece.text.length;
      const confidence = Math.min(
        ...piece.indices.map((i) => Math.exp(logProbs[segment.indices[i] ?? 0] ?? 0)),
      );
      tokens.push({ id: generated[first] as number, text: piece.text, start, confidence });
      const bare = piece.text.trim();
      const current = words.length > wordsBefore ? words.at(-1) : undefined;
      if (/^\s/.test(piece.text) || !current) {
        if (bare !== '') words.push({ word: bare, start, end: segment.end, confidence });
      } else {
        current.word += bare;
        current.confidence = Math.min(current.confidence, confidence);
      }
    }
    for (let w = wordsBefore; w < words.length; w++) {
      const word = words[w] as RecognizedWord;
      const next = words[w + 1];
      word.end = round(Math.max(word.start, next ? next.start : segment.end));
    }
    segments.push({ text: text.decode(ids).trim(), start: round(segment.start), end: round(segment.end) });
  }
  return { segments: segments.filter((s) => s.text !== ''), tokens, words };
}
