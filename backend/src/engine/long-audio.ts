import { EngineError } from './errors.js';
import type { RecognitionResult, RecognizedToken, RecognizedWord, Recognizer } from './types.js';
import type { SpeechSegment } from './vad.js';

export interface LongAudioOptions {
  /** Window length in seconds. */
  chunkSeconds?: number;
  /** Seconds each window shares with the next. */
  overlapSeconds?: number;
  /** Windows decoded together in one recognizer.decode call. */
  batchSize?: number;
  /** Called after every batch with seconds of audio covered so far. */
  onProgress?: (doneSeconds: number, totalSeconds: number) => void;
  /**
   * Where the speech is (a voice activity detector's segments, in order). Only these stretches are
   * decoded, each on its own, so windows end in pauses instead of cutting through words, and music
   * or silence between them never reaches the recognizer. Unset, the whole audio is one stretch.
   */
  speech?: readonly SpeechSegment[];
  /** Called after every batch with the words it added to the transcript (possibly none). */
  onWords?: (words: readonly RecognizedWord[], doneSeconds: number) => void;
  /** Stops before the next batch; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Decodes windows of 16 kHz audio, one result per window, in order. */
export type DecodeWindows = (windows: Float32Array[]) => Promise<RecognitionResult[]>;

/** One window as decoded, with the recognizer's own result (a Whisper result carries its scores). */
export interface DecodedWindow {
  start: number;
  end: number;
  result: RecognitionResult;
}

export interface LongRecognition extends RecognitionResult {
  /** Every window in time order, each result in the window's own times. */
  windows: DecodedWindow[];
}

interface Window {
  start: number;
  end: number;
  /** Words whose midpoint lies at or after `keepUntil` belong to the next window. */
  keepUntil: number;
  /** Where this window takes over from the previous one (the middle of their overlap). */
  takeOverAt: number;
}

/**
 * Transcribes audio of any length by decoding windows in batches and stitching the results. Each
 * stretch of speech is one window when it fits, else overlapping windows. The middle of each
 * overlap is the cut: the left window keeps words whose midpoint is before it, the right window
 * the words after it. The same word can land a frame either side of
 * the cut in the two windows, so the right window also keeps a word slightly before the cut when
 * it starts after everything already kept, and drops one that overlaps the last kept word.
 */
export function transcribeLong(
  recognizer: Recognizer,
  samples: Float32Array,
  options: LongAudioOptions = {},
): Promise<LongRecognition> {
  const decode: DecodeWindows = async (windows) => {
    const streams = windows.map((audio) => {
      const stream = recognizer.createStream();
      stream.acceptWaveform(audio);
      return stream;
    });
    await recognizer.decode(streams);
    return streams.map((stream) => {
      if (!stream.result) throw new EngineError('decode_failed', 'recognizer left a stream without a result');
      return stream.result;
    });
  };
  return transcribeWindows(decode, recognizer.sampleRate, samples, options);
}

/**
 * Audio windows are read from, always at or after the previous window's start: samples in memory, or
 * a decoder's output streamed through (then only the window being read has to be held).
 */
export interface WindowSource {
  /** Samples in the whole audio. */
  readonly length: number;
  read(start: number, end: number): Float32Array | Promise<Float32Array>;
}

/** transcribeLong over any way of decoding windows (a recognizer, or an inference queue). */
export async function transcribeWindows(
  decode: DecodeWindows,
  rate: number,
  samples: Float32Array | WindowSource,
  {
    chunkSeconds = 20,
    overlapSeconds = 2,
    batchSize = 4,
    onProgress,
    speech,
    onWords,
    signal,
  }: LongAudioOptions = {},
): Promise<LongRecognition> {
  if (!(chunkSeconds > 0) || !(overlapSeconds >= 0) || overlapSeconds >= chunkSeconds / 2) {
    throw new EngineError(
      'invalid_options',
      `transcribeLong needs chunkSeconds > 0 and 0 ≤ overlapSeconds < chunkSeconds/2 (got ${chunkSeconds}, ${overlapSeconds})`,
    );
  }
  const total = samples.length / rate;
  const stretches = speech ?? [{ start: 0, end: total }];
  const windows = stretches.flatMap((stretch) =>
    planWindows(Math.max(0, stretch.start), Math.min(total, stretch.end), chunkSeconds, overlapSeconds),
  );
  const tolerance = overlapSeconds / 4;
  const words: RecognizedWord[] = [];
  const tokens: RecognizedToken[] = [];
  const decoded: DecodedWindow[] = [];

  const size = Math.max(1, batchSize);
  for (let first = 0; first < windows.length; first += size) {
    signal?.throwIfAborted();
    const batch = windows.slice(first, first + size);
    const audio: Float32Array[] = [];
    for (const w of batch) {
      const [from, to] = [Math.round(w.start * rate), Math.round(w.end * rate)];
      audio.push(samples instanceof Float32Array ? samples.subarray(from, to) : await samples.read(from, to));
    }
    const results = await decode(audio);
    const wordsBefore = words.length;
    batch.forEach((window, i) => {
      const result = results[i];
      if (!result) throw new EngineError('decode_failed', 'a window was left without a result');
      decoded.push({ start: window.start, end: window.end, result });
      const shifted = shiftResult(result, window.start);
      const keptWords = new Set<number>();
      shifted.words.forEach((word, index) => {
        const middle = (word.start + word.end) / 2;
        const last = words.at(-1);
        const afterKept = last === undefined || middle > last.end;
        const inside =
          middle < window.keepUntil &&
          (middle >= window.takeOverAt || (afterKept && middle >= window.takeOverAt - tolerance));
        if (inside && afterKept) {
          words.push(word);
          keptWords.add(index);
        }
      });
      tokens.push(...shifted.tokens.filter((_, t) => keptWords.has(wordOfToken(shifted, t))));
    });
    const done = first + size >= windows.length ? total : (batch.at(-1)?.end ?? total);
    onWords?.(words.slice(wordsBefore), done);
    onProgress?.(done, total);
  }
  if (windows.length === 0) onProgress?.(total, total);

  for (let i = 0; i + 1 < words.length; i++) {
    const word = words[i];
    const next = words[i + 1];
    if (word && next && word.end > next.start) word.end = Math.max(word.start, next.start);
  }
  return { text: words.map((w) => w.word).join(' '), tokens, words, windows: decoded };
}

/**
 * Windows of chunkSeconds over [from, to), stepping by chunk − overlap; the last one ends at `to`.
 * The first keeps everything from `from` on, the last everything up to `to`.
 */
export function planWindows(
  from: number,
  to: number,
  chunkSeconds: number,
  overlapSeconds: number,
): Window[] {
  if (!(to > from)) return [];
  const step = chunkSeconds - overlapSeconds;
  const spans: { start: number; end: number }[] = [];
  for (let start = from; ; start += step) {
    const end = Math.min(start + chunkSeconds, to);
    spans.push({ start, end });
    if (end >= to) break;
  }
  return spans.map((span, i) => {
    const previous = spans[i - 1];
    const next = spans[i + 1];
    return {
      ...span,
      takeOverAt: previous ? (span.start + previous.end) / 2 : from,
      keepUntil: next ? (next.start + span.end) / 2 : Infinity,
    };
  });
}

/** A result with its times moved `offset` seconds later, rounded to the microsecond. */
export function shiftResult(result: RecognitionResult, offset: number): RecognitionResult {
  const at = (seconds: number) => Math.round((seconds + offset) * 1e6) / 1e6;
  return {
    text: result.text,
    tokens: result.tokens.map((t) => ({ ...t, start: at(t.start) })),
    words: result.words.map((w) => ({ ...w, start: at(w.start), end: at(w.end) })),
  };
}

/** Index of the word a token belongs to: the last word starting at or before it. */
function wordOfToken(result: RecognitionResult, tokenIndex: number): number {
  const start = result.tokens[tokenIndex]?.start ?? 0;
  let owner = -1;
  result.words.forEach((word, index) => {
    if (word.start <= start) owner = index;
  });
  return owner;
}
