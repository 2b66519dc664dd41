import { describe, expect, it } from 'vitest';
import { SoundLevels } from '../../src/engine/sound-levels.js';
import { concat, SAMPLE_RATE as RATE } from './speech-audio.js';

/** Pieces of [seconds, amplitude] one after another: a 200 Hz tone, or silence at amplitude 0. */
function wave(...pieces: [number, number][]): Float32Array {
  return concat(
    ...pieces.map(([seconds, amplitude]) =>
      Float32Array.from(
        { length: Math.round(seconds * RATE) },
        (_, i) => amplitude * Math.sin((2 * Math.PI * 200 * i) / RATE),
      ),
    ),
  );
}

describe('where a sound falls quiet', () => {
  it('finds the start of a pause of 100 ms or more, passing over the shorter closure of a stop consonant', () => {
    const levels = new SoundLevels(wave([0.3, 0.5], [0.06, 0], [0.1, 0.5], [0.2, 0], [0.3, 0.5]), RATE);
    expect(levels.quietAfter(0.1, 0.9)).toBeCloseTo(0.46, 2);
  });

  it('ends at `from` when a long enough quiet had begun before it', () => {
    const levels = new SoundLevels(wave([0.3, 0.5], [0.12, 0], [0.3, 0.5]), RATE);
    expect(levels.quietAfter(0.36, 0.6)).toBeCloseTo(0.36, 2);
    expect(levels.quietAfter(0.1, 0.6)).toBeCloseTo(0.3, 2);
  });

  it('counts sound 40 dB under what came before as quiet, and background a little softer as sound', () => {
    const under = new SoundLevels(wave([0.3, 0.5], [0.3, 0.003]), RATE);
    expect(under.quietAfter(0.1, 0.6)).toBeCloseTo(0.3, 2);
    const soft = new SoundLevels(wave([0.3, 0.5], [0.3, 0.05]), RATE);
    expect(soft.quietAfter(0.1, 0.6)).toBe(0.6);
  });

  it('leaves the limit when the quiet starts after it, runs off the end of the audio, or nothing was audible', () => {
    const late = new SoundLevels(wave([0.5, 0.5], [0.3, 0]), RATE);
    expect(late.quietAfter(0.1, 0.4)).toBe(0.4);
    const cut = new SoundLevels(wave([0.3, 0.5], [0.05, 0]), RATE);
    expect(cut.quietAfter(0.1, 0.35)).toBe(0.35);
    const silent = new SoundLevels(new Float32Array(RATE), RATE);
    expect(silent.quietAfter(0.1, 0.8)).toBe(0.8);
  });
});
