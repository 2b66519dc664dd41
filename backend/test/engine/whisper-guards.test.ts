import { describe, expect, it } from 'vitest';
import {
  compressionRatio,
  DEFAULT_GUARDS,
  failedGuard,
  needsFallback,
} from '../../src/engine/whisper/guards.js';
import { splitSegments } from '../../src/engine/whisper/timing.js';

const quality = (text: string, avgLogProb: number, noSpeechProb: number) => ({
  text,
  avgLogProb,
  noSpeechProb,
});

describe('Whisper hallucination guards', () => {
  it('finds the repetition loop Whisper falls into on noise by its compression ratio', () => {
    const loop = 'Thanks for watching! '.repeat(12);
    const sentence = 'The quick brown fox jumps over the lazy dog near the river bank.';
    expect(compressionRatio(loop)).toBeGreaterThan(DEFAULT_GUARDS.compressionRatioThreshold as number);
    expect(compressionRatio(sentence)).toBeLessThan(DEFAULT_GUARDS.compressionRatioThreshold as number);
    expect(failedGuard(quality(loop, -0.2, 0.01), DEFAULT_GUARDS)).toBe('compression_ratio');
    expect(failedGuard(quality(sentence, -0.2, 0.01), DEFAULT_GUARDS)).toBeNull();
  });

  it('drops a guess (low mean log-probability) and retries it at a higher temperature', () => {
    const verdict = failedGuard(quality('Thanks for watching!', -1.4, 0.1), DEFAULT_GUARDS);
    expect(verdict).toBe('log_prob');
    expect(needsFallback(verdict)).toBe(true);
  });

  it('calls a window silent only when no-speech is likely and the text is a guess, and never retries it', () => {
    expect(failedGuard(quality('Thanks for watching!', -1.4, 0.9), DEFAULT_GUARDS)).toBe('no_speech');
    expect(needsFallback('no_speech')).toBe(false);
    // Confident text keeps the window even when the no-speech token is likely.
    expect(failedGuard(quality('Hello there.', -0.3, 0.9), DEFAULT_GUARDS)).toBeNull();
  });

  it('turns a check off with null', () => {
    const off = { ...DEFAULT_GUARDS, compressionRatioThreshold: null, logProbThreshold: null };
    expect(failedGuard(quality('la '.repeat(40), -5, 0.1), off)).toBeNull();
  });
});

describe('Whisper segments from timestamp tokens', () => {
  const T = 1000; // first timestamp token in these sequences; <|0.02|> = 1001
  it('pairs timestamps into segments and closes an open one at the end of the audio', () => {
    const tokens = [T, 5, 6, T + 50, T + 50, 7, T + 120, T + 130, 8];
    expect(splitSegments(tokens, T, 3)).toEqual([
      { start: 0, end: 1, indices: [1, 2] },
      { start: 1, end: 2.4, indices: [5] },
      { start: 2.6, end: 3, indices: [8] },
    ]);
  });

  it('keeps times inside the audio and text without timestamps as one segment', () => {
    expect(splitSegments([T + 10, 5, T + 400], T, 2)).toEqual([{ start: 0.2, end: 2, indices: [1] }]);
    expect(splitSegments([5, 6], T, 4)).toEqual([{ start: 0, end: 4, indices: [0, 1] }]);
  });
});
