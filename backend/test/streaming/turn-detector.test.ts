import { describe, expect, it } from 'vitest';
import type { FrameClassifier } from '../../src/streaming/speech-activity';
import { TurnDetector } from '../../src/streaming/turn-detector';

const FRAME = 512;
const RATE = 16_000;

/** A classifier that reads the speech probability of each frame from the frame's first sample. */
function scriptedClassifier(): FrameClassifier {
  let carry: number[] = [];
  return {
    sampleRate: RATE,
    frameSamples: FRAME,
    async accept(samples) {
      carry.push(...samples);
      const out: number[] = [];
      while (carry.length >= FRAME) {
        out.push(carry[0] as number);
        carry = carry.slice(FRAME);
      }
      return Float32Array.from(out);
    },
    async flush() {
      return new Float32Array(0);
    },
  };
}

/** Frames whose speech probability is given, one number per frame. */
function frames(...probabilities: number[]): Float32Array {
  const out = new Float32Array(probabilities.length * FRAME);
  for (const [i, p] of probabilities.entries()) out.fill(p, i * FRAME, (i + 1) * FRAME);
  return out;
}

const repeat = (p: number, n: number) => Array.from({ length: n }, () => p);

describe('TurnDetector', () => {
  it('starts a turn at the padded onset and stops it once the silence lasted long enough', async () => {
    // 512-sample frames are 32 ms: 100 ms of padding, 320 ms of silence ends a turn.
    const detector = new TurnDetector(scriptedClassifier(), {
      threshold: 0.5,
      prefixPaddingMs: 100,
      silenceDurationMs: 320,
    });
    const events = await detector.push(frames(...repeat(0, 10), ...repeat(0.9, 20), ...repeat(0, 12)));
    expect(events).toEqual([
      { type: 'started', atSample: 10 * FRAME - 1_600 },
      { type: 'stopped', atSample: 40 * FRAME },
    ]);
    expect(detector.inTurn).toBe(false);
  });

  it('keeps a turn through a pause shorter than the silence duration and through the hysteresis band', async () => {
    const detector = new TurnDetector(scriptedClassifier(), {
      threshold: 0.5,
      prefixPaddingMs: 0,
      silenceDurationMs: 320,
    });
    // A 5-frame pause (160 ms) and frames at 0.4 (under the threshold, above threshold − 0.15).
    const events = await detector.push(
      frames(...repeat(0.9, 5), ...repeat(0, 5), ...repeat(0.9, 5), ...repeat(0.4, 20), ...repeat(0.9, 2)),
    );
    expect(events).toEqual([{ type: 'started', atSample: 0 }]);
    expect(detector.inTurn).toBe(true);
  });

  it('decides the same wherever the audio is cut into pieces', async () => {
    const options = { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };
    const audio = frames(
      ...repeat(0, 20),
      ...repeat(0.8, 30),
      ...repeat(0, 20),
      ...repeat(0.8, 10),
      ...repeat(0, 20),
    );
    const whole = await new TurnDetector(scriptedClassifier(), options).push(audio);
    const cut = new TurnDetector(scriptedClassifier(), options);
    const pieces = [];
    for (let at = 0; at < audio.length; at += 700)
      pieces.push(...(await cut.push(audio.subarray(at, at + 700))));
    expect(pieces).toEqual(whole);
    expect(whole.map((e) => e.type)).toEqual(['started', 'stopped', 'started', 'stopped']);
  });

  it('starts afresh after a client commit reset it', async () => {
    const detector = new TurnDetector(scriptedClassifier(), {
      threshold: 0.5,
      prefixPaddingMs: 0,
      silenceDurationMs: 320,
    });
    expect(await detector.push(frames(0.9, 0.9))).toEqual([{ type: 'started', atSample: 0 }]);
    detector.reset();
    expect(await detector.push(frames(0.9))).toEqual([{ type: 'started', atSample: 2 * FRAME }]);
  });
});
