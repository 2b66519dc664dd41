import { describe, expect, it } from 'vitest';
import { type Block, envelopeLagMs } from '../lib/offscreen/capture-latency';

/** A speech-like envelope: syllables of 80–300 ms between pauses, one level per 10 ms block. */
function speechLevels(seconds: number, seed = 1): (ms: number) => number {
  let state = seed;
  const random = () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
  const bursts: { from: number; to: number; level: number }[] = [];
  for (let t = 0; t < seconds * 1000; ) {
    const length = 80 + random() * 220;
    bursts.push({ from: t, to: t + length, level: -2 + random() });
    t += length + 40 + random() * 300;
  }
  return (ms) => bursts.find((b) => ms >= b.from && ms < b.to)?.level ?? -4.5;
}

/** Blocks of `blockMs` starting at `offsetMs`, each with the envelope at the block's time minus `lagMs`. */
function blocks(
  envelope: (ms: number) => number,
  seconds: number,
  blockMs: number,
  offsetMs: number,
  lagMs = 0,
) {
  const out: Block[] = [];
  for (let at = offsetMs; at < seconds * 1000; at += blockMs)
    out.push({ atMs: at, level: envelope(at - lagMs) });
  return out;
}

describe('envelopeLagMs', () => {
  it('finds how far the path trails the tab, within a few ms, though their blocks are cut apart', () => {
    const speech = speechLevels(4);
    const tab = blocks(speech, 4, 10, 0).filter((b) => b.atMs <= 2600);
    for (const lag of [0, 26, 73, 140]) {
      const path = blocks(speech, 4, 10, 3.7, lag);
      const found = envelopeLagMs(tab, path);
      expect(found, `lag ${lag}`).toBeGreaterThanOrEqual(lag - 6);
      expect(found, `lag ${lag}`).toBeLessThanOrEqual(lag + 6);
    }
  });

  it('claims no latency when the sounds are not the same, or there is nothing to match', () => {
    const tab = blocks(speechLevels(4, 1), 4, 10, 0).filter((b) => b.atMs <= 2600);
    expect(envelopeLagMs(tab, blocks(speechLevels(4, 99), 4, 10, 0))).toBeUndefined();
    const silence = blocks(() => -5, 4, 10, 0);
    expect(envelopeLagMs(silence.slice(0, 260), silence)).toBeUndefined();
    expect(envelopeLagMs(tab.slice(0, 20), blocks(speechLevels(4, 1), 4, 10, 0))).toBeUndefined();
  });
});
