import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/engine/errors.js';
import { defaultSileroVadPath, SileroVad, segmentsFromProbabilities } from '../../src/engine/vad.js';
import { audibleSpan, concat, SAMPLE_RATE, silence, speak, whiteNoise } from './speech-audio.js';

const MODEL = defaultSileroVadPath();
const present = existsSync(MODEL);
const why = present ? '' : ` [skipped: no Silero VAD model at ${MODEL}; set EARSHOT_SHARED_DIR]`;

describe.skipIf(!present)(`Silero VAD v5 on real audio${why}`, () => {
  let vad: SileroVad;
  beforeAll(async () => {
    vad = await SileroVad.load(MODEL);
  });
  afterAll(() => vad?.release());

  it('finds one segment covering espeak speech padded with 2 s of silence on each side', async () => {
    const audio = concat(silence(2), speak('the little girl has a red ball and a green hat'), silence(2));
    const voice = audibleSpan(audio);
    const segments = await vad.speechSegments(audio);
    expect(segments).toHaveLength(1);
    const [segment] = segments;
    expect(Math.abs((segment?.start ?? -1) - voice.start)).toBeLessThan(0.3);
    expect(Math.abs((segment?.end ?? -1) - voice.end)).toBeLessThan(0.3);
  });

  it('finds two segments for two sentences two seconds apart', async () => {
    const audio = concat(
      silence(1),
      speak('open the door'),
      silence(2),
      speak('close the window'),
      silence(1),
    );
    const segments = await vad.speechSegments(audio);
    expect(segments).toHaveLength(2);
    expect((segments[1]?.start ?? 0) - (segments[0]?.end ?? 0)).toBeGreaterThan(1.2);
  });

  it('finds no speech in pure silence or in low white noise', async () => {
    expect(await vad.speechSegments(silence(5))).toEqual([]);
    expect(await vad.speechSegments(whiteNoise(5, 0.01))).toEqual([]);
  });

  it('gives a recording fed in uneven pieces the same probabilities as the whole at once', async () => {
    const audio = concat(silence(0.5), speak('open the door'), silence(0.7));
    const whole = await vad.probabilities(audio);
    const stream = vad.createStream();
    const pieces: Float32Array[] = [];
    for (let at = 0, i = 0; at < audio.length; i++) {
      const size = [100, 512, 3000, 777][i % 4] as number;
      pieces.push(await stream.accept(audio.subarray(at, at + size)));
      at += size;
    }
    pieces.push(await stream.flush());
    const streamed = concat(...pieces);
    expect(Array.from(streamed)).toEqual(Array.from(whole));
  });

  it('gives one probability per 512-sample frame, high in speech and low in silence', async () => {
    const speech = speak('good morning to you all');
    const audio = concat(silence(1), speech, silence(1));
    const probabilities = await vad.probabilities(audio);
    expect(probabilities).toHaveLength(Math.ceil(audio.length / 512));
    const framesPerSecond = SAMPLE_RATE / 512;
    const quiet = probabilities.subarray(0, Math.floor(0.8 * framesPerSecond));
    expect(Math.max(...quiet)).toBeLessThan(0.2);
    expect(Math.max(...probabilities)).toBeGreaterThan(0.9);
  });
});

describe('VAD loading and segment rules', () => {
  it('explains where to get the model when it is missing', async () => {
    const failure = await SileroVad.load('/nonexistent/silero_vad.onnx').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelLoadError);
    expect((failure as Error).message).toMatch(/snakers4\/silero-vad/);
  });

  it('bridges short pauses, drops short blips and pads segments', () => {
    const frame = 512 / SAMPLE_RATE;
    const frames = (pattern: [number, number][]) =>
      Float32Array.from(pattern.flatMap(([p, n]) => Array(n).fill(p)));
    // 1 s speech, 160 ms pause (< 300 ms), 1 s speech, 2 s silence, 96 ms blip (< 250 ms), silence.
    const second = Math.round(1 / frame);
    const probabilities = frames([
      [0, second],
      [0.9, second],
      [0.1, 5],
      [0.9, second],
      [0, 2 * second],
      [0.9, 3],
      [0, second],
    ]);
    const segments = segmentsFromProbabilities(probabilities, probabilities.length * 512);
    expect(segments).toHaveLength(1);
    expect(segments[0]?.start).toBeCloseTo(second * frame - 0.1, 3);
    expect(segments[0]?.end).toBeCloseTo((3 * second + 5) * frame + 0.1, 3);
  });
});
