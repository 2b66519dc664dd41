import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParakeetRecognizer } from '../../src/engine/parakeet.js';
import type {
  ChunkRequest,
  DecoderCarry,
  RecognitionResult,
  RecognizedWord,
} from '../../src/engine/types.js';
import { FRAME, LEVEL_WORDS_MODEL, SHIFT, script } from './level-words.js';

const SCRIPTED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scripted');

const loaded: ParakeetRecognizer[] = [];
let levelWords: ParakeetRecognizer;
let durations: ParakeetRecognizer;
beforeAll(async () => {
  levelWords = await ParakeetRecognizer.load({
    modelDir: LEVEL_WORDS_MODEL,
    modelId: 'level',
    device: 'cpu',
  });
  durations = await ParakeetRecognizer.load({
    modelDir: path.join(SCRIPTED, 'tdt-durations'),
    modelId: 'tdt-durations',
    device: 'cpu',
  });
  loaded.push(levelWords, durations);
});
afterAll(() => Promise.all(loaded.map((r) => r.release())));

async function decode(
  recognizer: ParakeetRecognizer,
  audio: Float32Array,
  chunk?: ChunkRequest,
): Promise<RecognitionResult> {
  const stream = recognizer.createStream(chunk ? { chunk } : {});
  stream.acceptWaveform(audio);
  await recognizer.decode([stream]);
  if (!stream.result) throw new Error('not decoded');
  return stream.result;
}

/** Where the chunk ends when it is final as far as it can be; nothing final yet: where it started. */
function lastEnd(result: RecognitionResult): {
  committed: number;
  through: number;
  carry: DecoderCarry | null;
} {
  return result.chunk?.ends.at(-1) ?? { committed: 0, through: Number.NaN, carry: null };
}

const summary = (words: readonly RecognizedWord[]) =>
  words.map((w) => [w.word, Math.round(w.start / SHIFT), Math.round(w.end / SHIFT)]);

/**
 * Decodes `audio` chunk by chunk as buffered streaming does: each window holds `left` frames before
 * the chunk, the chunk, and `right` frames after it; the last chunk closes. Returns the final words,
 * on the audio's timeline.
 */
async function streamInChunks(
  recognizer: ParakeetRecognizer,
  audio: Float32Array,
  { hop, left, right }: { hop: number; left: number; right: number },
) {
  const frames = audio.length / FRAME;
  const finals: RecognizedWord[] = [];
  let carry: DecoderCarry | null = null;
  for (let from = 0, to = 0; to < frames; ) {
    to = Math.min(frames, Math.max(to, from) + hop);
    const closing = to === frames;
    const start = Math.max(0, from - left);
    const end = Math.min(frames, to + right);
    const result = await decode(recognizer, audio.subarray(start * FRAME, end * FRAME), {
      from: (from - start) * SHIFT,
      to: (to - start) * SHIFT,
      carry,
      closing,
    });
    const chunk = lastEnd(result);
    const offset = start * SHIFT;
    for (const w of result.words.slice(0, chunk.committed))
      finals.push({ ...w, start: w.start + offset, end: w.end + offset });
    if (chunk.carry) {
      carry = chunk.carry;
      from = start + Math.round(chunk.through / SHIFT);
    }
  }
  return finals;
}

describe('a transducer decoded in chunks with its state carried on', () => {
  it('finalizes every word exactly once, wherever the chunk edges fall, as one decode of the whole audio does', async () => {
    const { audio } = script(20, 11);
    const whole = await decode(levelWords, audio);
    expect(whole.words.length).toBeGreaterThan(40);
    for (const geometry of [
      { hop: 1, left: 0, right: 0 },
      { hop: 3, left: 2, right: 1 },
      { hop: 6, left: 12, right: 6 },
      { hop: 7, left: 5, right: 3 },
    ]) {
      const finals = await streamInChunks(levelWords, audio, geometry);
      expect(summary(finals), JSON.stringify(geometry)).toEqual(summary(whole.words));
    }
  });

  it('carries a duration that skips past the chunk edge into the next chunk', async () => {
    // One decode: " ca" and "t" at frame 0, " dog" at 5, "s" at 12; visiting frames 1, 3, 4, 7, 8 or 9
    // would emit "x". Every split point must give the same tokens as one decode.
    const audio = new Float32Array(16 * FRAME);
    const whole = await decode(durations, audio);
    expect(whole.text).toBe('cat dogs');
    for (let split = 1; split < 16; split++) {
      const first = await decode(durations, audio, {
        from: 0,
        to: split * SHIFT,
        carry: null,
        closing: false,
      });
      const end = lastEnd(first);
      const second = await decode(durations, audio, {
        from: end.carry ? end.through : 0,
        to: 16 * SHIFT,
        carry: end.carry,
        closing: true,
      });
      const finals = [
        ...first.words.slice(0, end.committed),
        ...second.words.slice(0, lastEnd(second).committed),
      ];
      expect(summary(finals), `split at frame ${split}`).toEqual(summary(whole.words));
    }
  });

  it('ends a chunk at the start of a word its frames end inside of, to decode that word again whole', async () => {
    const audio = new Float32Array(16 * FRAME);
    // " dog" opens at frame 5 and "s" comes at frame 12: a chunk ending at frame 6 is final only up
    // to frame 5, and "dogs" stays interim.
    const early = await decode(durations, audio, { from: 0, to: 6 * SHIFT, carry: null, closing: false });
    // It could end before " dog" (the only word it opened after its start); never inside "dogs".
    expect(early.chunk?.ends.map((e) => [e.committed, Math.round(e.through / SHIFT)])).toEqual([[1, 5]]);
    expect(early.words.map((w) => w.word)).toEqual(['cat', 'dogs']);
    const closed = await decode(durations, audio, { from: 0, to: 6 * SHIFT, carry: null, closing: true });
    expect(closed.words.slice(0, lastEnd(closed).committed).map((w) => w.word)).toEqual(['cat', 'dog']);
  });

  it('refuses a carry made by another model', async () => {
    const audio = new Float32Array(8 * FRAME);
    const first = await decode(durations, audio, { from: 0, to: 8 * SHIFT, carry: null, closing: true });
    const { carry } = lastEnd(first);
    expect(carry).not.toBeNull();
    await expect(
      decode(levelWords, audio, { from: 4 * SHIFT, to: 8 * SHIFT, carry, closing: true }),
    ).rejects.toThrow(/carry was not made by model level/);
  });
});
