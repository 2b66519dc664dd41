import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecognizer } from '../../src/engine/index.js';
import type { Recognizer } from '../../src/engine/types.js';
import { BatchDecoder } from '../../src/streaming/batch-decoder.js';

// The scripted "level-words" model reads words off the signal level: each 80 ms frame at 0.1 / 0.2 / 0.3
// is "ca" / "dog" / "a", so every window's transcript is known exactly.
const MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/level-words',
);
const FRAME = 1280;

function window(levels: number[]): Float32Array {
  const audio = new Float32Array((levels.length + 2) * FRAME);
  levels.forEach((level, i) => {
    audio.fill(level, (i + 1) * FRAME, (i + 2) * FRAME);
  });
  return audio;
}

describe('BatchDecoder', () => {
  let recognizer: Recognizer;
  const batchSizes: number[] = [];

  beforeAll(async () => {
    const real = await loadRecognizer({ modelDir: MODEL_DIR, modelId: 'level-words', device: 'cpu' });
    // Count the streams per decode call while the real recognizer does the work.
    recognizer = {
      modelId: real.modelId,
      sampleRate: real.sampleRate,
      device: real.device,
      providers: real.providers,
      createStream: () => real.createStream(),
      decode: (streams) => {
        batchSizes.push(streams.length);
        return real.decode(streams);
      },
      release: () => real.release(),
    };
  });
  afterAll(() => recognizer.release());

  it('decodes the windows of sessions waiting together in one batch, each with its own text', async () => {
    batchSizes.length = 0;
    const decoder = new BatchDecoder(recognizer);
    const results = await Promise.all([
      decoder.decode(window([0.1])),
      decoder.decode(window([0.2, 0, 0.3])),
      decoder.decode(window([0.3, 0, 0.1])),
    ]);
    expect(results.map((r) => r.text)).toEqual(['ca', 'dog a', 'a ca']);
    expect(batchSizes).toEqual([3]);
  });

  it('fails only the session whose window the recognizer refuses', async () => {
    const decoder = new BatchDecoder(recognizer);
    const bad = window([0.1]);
    bad[100] = Number.NaN;
    const [good, refused, other] = await Promise.allSettled([
      decoder.decode(window([0.2])),
      decoder.decode(bad),
      decoder.decode(window([0.3])),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { text: 'dog' } });
    expect(refused.status).toBe('rejected');
    expect(other).toMatchObject({ status: 'fulfilled', value: { text: 'a' } });
  });
});
