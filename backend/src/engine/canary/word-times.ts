import { loudness } from '../sound-levels.js';
import type { RecognizedToken, RecognizedWord } from '../types.js';

const BLOCK_SECONDS = 0.01;
/** Blocks this much quieter than the window's loudest are not sound. */
const SOUND_BELOW_PEAK_DB = 35;
/** Below this (dBFS) nothing is sound. */
const SILENCE_DB = -60;
/** A quiet this long splits the sound into two stretches (shorter ones are stops inside words). */
const PAUSE_SECONDS = 0.25;

/** A word before its times: its text, its tokens' probabilities and pieces. */
export interface UntimedWord {
  word: string;
  confidence: number;
  tokens: { id: number; text: string; confidence: number }[];
}

/**
 * Times for words that come without any (Canary's exports output none, and a translation's words
 * have no place in the audio of their own): the window's sound is found in 10 ms blocks (louder than
 * -60 dBFS and within 35 dB of its peak, quiets shorter than 0.25 s bridged), and the words are laid
 * over it in order, each taking a share of the sounding time in proportion to its letters. These are
 * estimates, reported as such (`WordTiming` 'spread'); they are not measured.
 */
export function spreadWords(
  words: readonly UntimedWord[],
  samples: Float32Array,
  sampleRate: number,
): { words: RecognizedWord[]; tokens: RecognizedToken[] } {
  if (words.length === 0) return { words: [], tokens: [] };
  const duration = samples.length / sampleRate;
  const stretches = soundStretches(samples, sampleRate);
  const spans = stretches.length > 0 ? stretches : [{ start: 0, end: duration }];
  const sounding = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
  const weights = words.map((w) => w.word.length + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  /** The point `fraction` of the way through the sounding time, on the window's clock. */
  const at = (fraction: number): number => {
    let left = fraction * sounding;
    for (const span of spans) {
      const length = span.end - span.start;
      if (left <= length) return span.start + left;
      left -= length;
    }
    return (spans.at(-1) as { end: number }).end;
  };
  const timed: RecognizedWord[] = [];
  const tokens: RecognizedToken[] = [];
  let done = 0;
  words.forEach((w, i) => {
    const from = at(done / total);
    done += weights[i] as number;
    // The word ends where its last letter falls, before the share of the gap after it.
    const to = at((done - 1) / total);
    const start = round(from);
    timed.push({ word: w.word, start, end: round(Math.max(from, to)), confidence: w.confidence });
    for (const t of w.tokens) tokens.push({ ...t, start });
  });
  return { words: timed, tokens };
}

/** Where the window sounds: stretches of loud blocks, quiets shorter than PAUSE_SECONDS bridged. */
function soundStretches(samples: Float32Array, sampleRate: number): { start: number; end: number }[] {
  const size = Math.max(1, Math.round(sampleRate * BLOCK_SECONDS));
  const blocks = Math.floor(samples.length / size);
  const db = new Float32Array(blocks);
  let peak = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < blocks; b++) {
    db[b] = loudness(samples, b * size, (b + 1) * size);
    peak = Math.max(peak, db[b] as number);
  }
  const floor = Math.max(SILENCE_DB, peak - SOUND_BELOW_PEAK_DB);
  const stretches: { start: number; end: number }[] = [];
  const bridge = Math.round(PAUSE_SECONDS / BLOCK_SECONDS);
  let open: { first: number; last: number } | null = null;
  for (let b = 0; b < blocks; b++) {
    if ((db[b] as number) < floor) continue;
    if (open && b - open.last <= bridge) open.last = b;
    else {
      if (open) stretches.push(toSeconds(open));
      open = { first: b, last: b };
    }
  }
  if (open) stretches.push(toSeconds(open));
  return stretches;

  function toSeconds(s: { first: number; last: number }) {
    return { start: (s.first * size) / sampleRate, end: ((s.last + 1) * size) / sampleRate };
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
