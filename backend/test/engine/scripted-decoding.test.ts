import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ParakeetRecognizer } from '../../src/engine/parakeet.js';
import type { RecognitionResult, Recognizer } from '../../src/engine/types.js';

// Scenario models are written by test/fixtures/scripted/make_scripted_models.py: one encoder frame
// per 1280 samples (80 ms), and a decoder_joint whose choice of token and duration at each
// (frame, previous token, adopted-state count) is scripted. Unscripted cells choose blank.
const SCRIPTED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/scripted');
const FRAME = 1280;
const SHIFT = 0.08;
const confidence = (score: number) => Math.exp(score) / (Math.exp(score) + 7);

const loaded: Recognizer[] = [];
async function scenario(name: string): Promise<Recognizer> {
  const recognizer = await ParakeetRecognizer.load({
    modelDir: path.join(SCRIPTED, name),
    modelId: name,
    device: 'cpu',
  });
  loaded.push(recognizer);
  return recognizer;
}
afterAll(async () => {
  await Promise.all(loaded.map((r) => r.release()));
});

async function recognize(recognizer: Recognizer, ...frameCounts: number[]): Promise<RecognitionResult[]> {
  const streams = frameCounts.map((frames) => {
    const stream = recognizer.createStream();
    stream.acceptWaveform(new Float32Array(frames * FRAME));
    return stream;
  });
  await recognizer.decode(streams);
  return streams.map((s) => {
    if (!s.result) throw new Error('stream was not decoded');
    return s.result;
  });
}

async function recognizeOne(recognizer: Recognizer, frames: number): Promise<RecognitionResult> {
  const [result] = await recognize(recognizer, frames);
  if (!result) throw new Error('no result');
  return result;
}

const tokenSummary = (r: RecognitionResult) => r.tokens.map((t) => [t.text, Math.round(t.start / SHIFT)]);

describe('TDT greedy decoding through scripted ONNX graphs', () => {
  it('skips the frames chosen by the duration head and never decodes them', async () => {
    const result = await recognizeOne(await scenario('tdt-durations'), 16);
    // Frames 1, 3, 4, 7, 8, 9 would emit "x" if visited.
    expect(tokenSummary(result)).toEqual([
      [' ca', 0],
      ['t', 0],
      [' dog', 5],
      ['s', 12],
    ]);
    expect(result.text).toBe('cat dogs');
  });

  it("times words from the frame shift: a word ends at its last token plus that token's duration, or 0.32 s on for a token of duration 0, cut at the next word", async () => {
    const result = await recognizeOne(await scenario('tdt-durations'), 16);
    const words = result.words;
    expect(words.map((w) => w.word)).toEqual(['cat', 'dogs']);
    // "cat": both tokens at frame 0; the last one skips 2 frames -> ends at 0.16 s, whatever " ca" said.
    expect(words[0]?.start).toBeCloseTo(0, 6);
    expect(words[0]?.end).toBeCloseTo(2 * SHIFT, 6);
    // "dogs": " dog" at frame 5, "s" at frame 12 with duration 0 -> runs on to 0.96 + 0.32 s, which
    // is also where the audio ends; "cats" in the symbol-cap scenario runs on with audio to spare.
    expect(words[1]?.start).toBeCloseTo(5 * SHIFT, 6);
    expect(words[1]?.end).toBeCloseTo(12 * SHIFT + 0.32, 6);
  });

  it('gives each token its softmax probability and each word its least sure token', async () => {
    const result = await recognizeOne(await scenario('tdt-durations'), 16);
    // "t" is scripted with logit 2 against 0 for the 7 other tokens; the rest with logit 4.
    expect(result.tokens.map((t) => t.confidence)).toEqual(
      [4, 2, 4, 4].map((s) => expect.closeTo(confidence(s), 6)),
    );
    expect(result.words[0]?.confidence).toBeCloseTo(confidence(2), 6);
    expect(result.words[1]?.confidence).toBeCloseTo(confidence(4), 6);
  });

  it('emits several tokens on one frame up to max_tokens_per_step, restarting the count on every move', async () => {
    const result = await recognizeOne(await scenario('tdt-symbol-cap'), 16);
    // Frame 2 scripts a 4th token ("x") after the cap of 3; frame 6 needs the count reset after
    // frame 5's token moved on with duration 1.
    expect(tokenSummary(result)).toEqual([
      [' a', 2],
      ['t', 2],
      ['s', 2],
      [' dog', 5],
      ['s', 5],
      [' ca', 6],
      ['t', 6],
      ['s', 6],
    ]);
    expect(result.words.map((w) => [w.word, w.start, w.end])).toEqual([
      ['ats', expect.closeTo(0.16, 6), expect.closeTo(0.4, 6)],
      ['dogs', expect.closeTo(0.4, 6), expect.closeTo(0.48, 6)],
      ['cats', expect.closeTo(0.48, 6), expect.closeTo(0.8, 6)],
    ]);
  });

  it('keeps the previous token and decoder state across blanks, adopting state only with a token', async () => {
    const result = await recognizeOne(await scenario('tdt-blank-state'), 16);
    // Any state adopted with a blank, or blank fed back as the previous token, leads to "x".
    expect(tokenSummary(result)).toEqual([
      [' ca', 1],
      ['t', 2],
      [' dog', 5],
    ]);
    expect(result.words.map((w) => [w.word, w.start, w.end])).toEqual([
      ['cat', expect.closeTo(0.08, 6), expect.closeTo(0.24, 6)],
      ['dog', expect.closeTo(0.4, 6), expect.closeTo(0.72, 6)],
    ]);
  });

  it('decodes a joint without a duration head as plain RNN-T', async () => {
    const result = await recognizeOne(await scenario('rnnt'), 16);
    expect(tokenSummary(result)).toEqual([
      [' a', 0],
      [' dog', 1],
      ['s', 1],
      [' ca', 4],
      ['t', 4],
    ]);
    expect(result.text).toBe('a dogs cat');
  });

  it('decodes a batch of different lengths exactly as one stream at a time', async () => {
    const recognizer = await scenario('tdt-durations');
    const lengths = [16, 12, 6, 13];
    const batched = await recognize(recognizer, ...lengths);
    const single = [];
    for (const frames of lengths) single.push(await recognizeOne(recognizer, frames));
    expect(batched).toEqual(single);
    // Each stream stops at its own length even though the batch is padded to 16 frames.
    expect(batched.map((r) => r.text)).toEqual(['cat dogs', 'cat dog', 'cat dog', 'cat dogs']);
    // The 6-frame (0.48 s) and 13-frame (1.04 s) streams' last words end with the audio.
    expect(batched[2]?.words.at(-1)?.end).toBeCloseTo(0.48, 6);
    expect(batched[3]?.words.at(-1)?.end).toBeCloseTo(1.04, 6);
  });

  it('returns an empty result for a stream without audio, next to streams with audio', async () => {
    const recognizer = await scenario('tdt-durations');
    const empty = recognizer.createStream();
    const full = recognizer.createStream();
    full.acceptWaveform(new Float32Array(16 * FRAME));
    await recognizer.decode([empty, full]);
    expect(empty.result).toEqual({ text: '', tokens: [], words: [] });
    expect(full.result?.text).toBe('cat dogs');
  });

  it('joins audio given in several pieces', async () => {
    const recognizer = await scenario('tdt-durations');
    const stream = recognizer.createStream();
    for (let i = 0; i < 16; i++) stream.acceptWaveform(new Float32Array(FRAME));
    expect(stream.duration).toBeCloseTo(1.28, 6);
    await recognizer.decode([stream]);
    expect(stream.result?.text).toBe('cat dogs');
  });
});
