import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWindows, transcribeLong } from '../../src/engine/long-audio.js';
import { ParakeetRecognizer } from '../../src/engine/parakeet.js';
import { FRAME, LEVEL_WORDS_MODEL, SHIFT, script } from './level-words.js';

let recognizer: ParakeetRecognizer;
beforeAll(async () => {
  recognizer = await ParakeetRecognizer.load({
    modelDir: LEVEL_WORDS_MODEL,
    modelId: 'level-words',
    device: 'cpu',
  });
});
afterAll(() => recognizer?.release());

describe('transcribeLong', () => {
  it('stitches overlapping windows without losing or doubling a word (default 20 s / 2 s windows)', async () => {
    const { audio, spoken } = script(150, 7);
    const result = await transcribeLong(recognizer, audio);
    expect(spoken.length).toBeGreaterThan(300);
    expect(result.words.map((w) => w.word)).toEqual(spoken.map((s) => s.word));
    expect(result.words.map((w) => w.start)).toEqual(spoken.map((s) => expect.closeTo(s.start, 6)));
    expect(result.words.map((w) => w.end)).toEqual(spoken.map((s) => expect.closeTo(s.start + SHIFT, 6)));
    expect(result.tokens).toHaveLength(spoken.length);
    expect(result.text).toBe(spoken.map((s) => s.word).join(' '));
  });

  it('stays exact with short windows, many cuts and several batches', async () => {
    const { audio, spoken } = script(100, 99);
    const batches: number[] = [];
    const result = await transcribeLong(recognizer, audio, {
      chunkSeconds: 4.8,
      overlapSeconds: 0.96,
      batchSize: 3,
      onProgress: (done) => batches.push(done),
    });
    expect(result.words.map((w) => [w.word, w.start])).toEqual(
      spoken.map((s) => [s.word, expect.closeTo(s.start, 6)]),
    );
    // 100 s in 3.84 s steps = 26 windows, decoded 3 per call.
    expect(batches).toHaveLength(9);
    expect(batches.at(-1)).toBeCloseTo(100, 6);
  });

  it('decodes only the stretches of speech it is given, splitting one longer than a window', async () => {
    const { audio, spoken } = script(80, 21);
    // Stretch edges on silent frames, as a detector's segments end in pauses.
    const silentFrom = (seconds: number) => {
      let f = Math.round(seconds / SHIFT);
      while (audio[f * FRAME] !== 0) f++;
      return f * SHIFT;
    };
    const speech = [
      { start: silentFrom(3), end: silentFrom(9) },
      { start: silentFrom(15), end: silentFrom(47) },
      { start: silentFrom(70), end: 80 },
    ];
    const inside = spoken.filter((s) => speech.some((span) => s.start >= span.start && s.start < span.end));
    const progress: number[] = [];
    const result = await transcribeLong(recognizer, audio, {
      speech,
      onProgress: (done) => progress.push(done),
    });
    expect(inside.length).toBeLessThan(spoken.length - 50);
    expect(result.words.map((w) => [w.word, w.start])).toEqual(
      inside.map((s) => [s.word, expect.closeTo(s.start, 6)]),
    );
    // 1 + 2 + 1 windows in one batch of 4.
    expect(progress).toEqual([80]);
  });

  it('hands over the words of each batch as it is decoded, adding up to the transcript', async () => {
    const { audio } = script(100, 5);
    const batches: { words: string[]; done: number }[] = [];
    const result = await transcribeLong(recognizer, audio, {
      batchSize: 1,
      onWords: (words, done) => batches.push({ words: words.map((w) => w.word), done }),
    });
    // 100 s in 20 s windows stepping by 18 s: six windows, one per batch.
    expect(batches.map((b) => b.done)).toEqual([20, 38, 56, 74, 92, 100]);
    expect(batches.flatMap((b) => b.words)).toEqual(result.words.map((w) => w.word));
  });

  it('stops before the next batch once its signal is aborted', async () => {
    const { audio } = script(100, 5);
    const stop = new AbortController();
    let batches = 0;
    const run = transcribeLong(recognizer, audio, {
      batchSize: 1,
      signal: stop.signal,
      onWords: () => {
        if (++batches === 2) stop.abort(new Error('cancelled by the test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by the test');
    expect(batches).toBe(2);
  });

  it('hears nothing when no stretch holds speech', async () => {
    const { audio } = script(30, 5);
    const progress: number[] = [];
    const result = await transcribeLong(recognizer, audio, {
      speech: [],
      onProgress: (done) => progress.push(done),
    });
    expect(result).toEqual({ text: '', tokens: [], words: [], windows: [] });
    expect(progress).toEqual([30]);
  });

  it('decodes a short input in one piece, exactly as the recognizer does', async () => {
    const { audio } = script(6, 3);
    const stream = recognizer.createStream();
    stream.acceptWaveform(audio);
    await recognizer.decode([stream]);
    const { windows, ...stitched } = await transcribeLong(recognizer, audio);
    expect(stitched).toEqual(stream.result);
    expect(windows).toEqual([{ start: 0, end: audio.length / 16_000, result: stream.result }]);
  });

  it('rejects an overlap that leaves windows without a middle', async () => {
    await expect(
      transcribeLong(recognizer, new Float32Array(16000), { chunkSeconds: 4, overlapSeconds: 2 }),
    ).rejects.toThrow(/overlapSeconds < chunkSeconds\/2/);
  });
});

describe('planWindows', () => {
  it('covers the audio with windows overlapping by the overlap, the last one ending with the audio', () => {
    const windows = planWindows(0, 50, 20, 2);
    expect(windows.map((w) => [w.start, w.end])).toEqual([
      [0, 20],
      [18, 38],
      [36, 50],
    ]);
    expect(windows.map((w) => [w.takeOverAt, w.keepUntil])).toEqual([
      [0, 19],
      [19, 37],
      [37, Infinity],
    ]);
    expect(planWindows(0, 12, 20, 2)).toEqual([{ start: 0, end: 12, takeOverAt: 0, keepUntil: Infinity }]);
  });

  it('plans a stretch of speech from its own start', () => {
    expect(planWindows(30, 60, 20, 2)).toEqual([
      { start: 30, end: 50, takeOverAt: 30, keepUntil: 49 },
      { start: 48, end: 60, takeOverAt: 49, keepUntil: Infinity },
    ]);
    expect(planWindows(5, 5, 20, 2)).toEqual([]);
  });
});
