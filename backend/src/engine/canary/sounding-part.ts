import { loudness } from '../sound-levels.js';

const BLOCK_SECONDS = 0.01;
/** Quieter than this (dBFS) is digital silence or near it, never speech, however quiet the room. */
const SILENT_DB = -70;
/** Silence kept before the first and after the last sounding block, as the model heard in training. */
const MARGIN_SECONDS = 0.3;

/**
 * The part of a window worth decoding, [start, end) in samples: from a little before its first
 * sounding 10 ms block to a little after its last; empty where nothing sounds. Long digital silence
 * before speech (a paused video, the gap before a stream's next sentence) otherwise reaches the
 * decoder, which an attention decoder can lose its place in and write words that were never said.
 */
export function soundingPart(samples: Float32Array, sampleRate: number): { start: number; end: number } {
  const size = Math.max(1, Math.round(sampleRate * BLOCK_SECONDS));
  const blocks = Math.ceil(samples.length / size);
  const sounds = (b: number): boolean =>
    loudness(samples, b * size, Math.min(samples.length, (b + 1) * size)) >= SILENT_DB;
  let first = 0;
  while (first < blocks && !sounds(first)) first++;
  if (first === blocks) return { start: 0, end: 0 };
  let last = blocks - 1;
  while (!sounds(last)) last--;
  const margin = Math.round(MARGIN_SECONDS * sampleRate);
  return {
    start: Math.max(0, first * size - margin),
    end: Math.min(samples.length, (last + 1) * size + margin),
  };
}
