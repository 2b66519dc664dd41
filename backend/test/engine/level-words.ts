import path from 'node:path';
import { fileURLToPath } from 'node:url';

// "level-words" reads words from the audio itself: each 80 ms frame at level 0.1 / 0.2 / 0.3 spells
// "ca" / "dog" / "a" (once per run of equal frames), level 0 is silence. So a long recording with
// a known word list can be built sample-exactly and a transcript compared word for word.
export const LEVEL_WORDS_MODEL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/level-words',
);
export const FRAME = 1280;
export const SHIFT = 0.08;
const WORDS = ['', 'ca', 'dog', 'a'];

export interface Spoken {
  word: string;
  start: number;
}

/** A seeded random script of words (1–3 frames) separated by 1–6 silent frames. */
export function script(seconds: number, seed: number): { audio: Float32Array; spoken: Spoken[] } {
  const frames = Math.round(seconds / SHIFT);
  const levels = new Float32Array(frames);
  const spoken: Spoken[] = [];
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.floor((state / 2147483648) * n);
  };
  let previous = 0;
  for (let f = 1 + random(6); f < frames - 4; ) {
    let level = 1 + random(3);
    if (level === previous) level = (level % 3) + 1;
    const length = Math.min(1 + random(3), frames - f);
    levels.fill(level / 10, f, f + length);
    spoken.push({ word: WORDS[level] ?? '?', start: f * SHIFT });
    previous = level;
    f += length + 1 + random(6);
  }
  const audio = new Float32Array(frames * FRAME);
  levels.forEach((level, f) => {
    audio.fill(level, f * FRAME, (f + 1) * FRAME);
  });
  return { audio, spoken };
}
