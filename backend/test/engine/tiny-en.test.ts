import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WORD_FILTER_SETTINGS } from '@earshot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSileroVadPath, loadRecognizer, SileroVad, transcribeLong } from '../../src/engine/index.js';
import type { RecognitionResult, Recognizer } from '../../src/engine/types.js';
import { wordEdits, wordErrorRate, words } from '../../src/transcript/word-errors.js';
import { audibleSpan, concat, SAMPLE_RATE, silence, speak, whiteNoise } from './speech-audio.js';

const MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/tiny-en');
const present = existsSync(path.join(MODEL_DIR, 'encoder-model.onnx'));
const why = present ? '' : ` [skipped: tiny-en is not in ${MODEL_DIR}]`;
const VAD_MODEL = defaultSileroVadPath();
const vadPresent = existsSync(VAD_MODEL);
const vadWhy = vadPresent ? '' : ` [skipped: no Silero VAD model at ${VAD_MODEL}; set EARSHOT_SHARED_DIR]`;

// Everyday sentences made only of words tiny-en was trained on (checked against its words.txt).
const SENTENCES = [
  'the old man took his dog for a walk',
  'my mother and father live near the river',
  'she will read the book before the night',
  'we saw a white horse by the big tree',
  'the children play music in the school room',
  'open the door and close the book',
  'the bird is on the big tree',
  'he can write a letter to his friend',
  'the sun is high over the mountain',
  'they eat fish and food every morning',
  'put the red car near the house',
  'the king heard the song of the bird',
  'you must learn to draw a map',
  'her family found a small ship',
  'the girl went home after school',
  'ten men stand at the end of the road',
  'the ship will cross the sea at night',
  'look at the black dog under the table',
  'i think the water is too cold',
  'my friend has a book and a paper',
  'the farm is near the north land',
  'we need to change the light in the room',
  'he told a good story to the children',
  'a young boy can run very fast',
  'the wind and rain came from the south',
  'keep the food in the cold room',
  'the plant will grow in the sun',
];

async function decodeEach(recognizer: Recognizer, inputs: Float32Array[]): Promise<RecognitionResult[]> {
  const results: RecognitionResult[] = [];
  for (const samples of inputs) {
    const stream = recognizer.createStream();
    stream.acceptWaveform(samples);
    await recognizer.decode([stream]);
    if (!stream.result) throw new Error('stream not decoded');
    results.push(stream.result);
  }
  return results;
}

describe.skipIf(!present)(`tiny-en on espeak-ng speech${why}`, () => {
  let recognizer: Recognizer;
  let audio: Float32Array[];
  beforeAll(async () => {
    recognizer = await loadRecognizer({ modelDir: MODEL_DIR, modelId: 'tiny-en', device: 'cpu' });
    audio = SENTENCES.slice(0, 3).map((s) => speak(s));
  });
  afterAll(() => recognizer?.release());

  it('uses only words from the model word list', () => {
    const known = new Set(words(readFileSync(path.join(MODEL_DIR, 'words.txt'), 'utf8')));
    expect(SENTENCES.flatMap(words).filter((w) => !known.has(w))).toEqual([]);
  });

  it('runs the real three-graph layout on a batch of speech, giving every stream a well-formed result', async () => {
    const inputs = [audio[0], concat(silence(0.5), audio[1] ?? silence(0)), audio[2]].map(
      (a) => a ?? silence(0),
    );
    const streams = inputs.map((samples) => {
      const stream = recognizer.createStream();
      stream.acceptWaveform(samples);
      return stream;
    });
    await recognizer.decode(streams);
    expect(recognizer.providers).toEqual(['cpu']);
    for (const stream of streams) {
      const result = stream.result;
      expect(result).not.toBeNull();
      expect(result?.text).toBe(result?.words.map((w) => w.word).join(' '));
      for (const word of result?.words ?? []) {
        expect(word.start).toBeGreaterThanOrEqual(0);
        expect(word.end).toBeLessThanOrEqual(stream.duration);
      }
    }
  });

  it('uses the bundled NeMo 128-mel preprocessor for a model folder without one', async () => {
    const bare = mkdtempSync(path.join(os.tmpdir(), 'earshot-bare-'));
    try {
      for (const file of ['config.json', 'vocab.txt', 'encoder-model.onnx', 'decoder_joint-model.onnx']) {
        cpSync(path.join(MODEL_DIR, file), path.join(bare, file));
      }
      const borrowed = await loadRecognizer({ modelDir: bare, modelId: 'bare', device: 'cpu' });
      const [withOwn] = await decodeEach(recognizer, audio.slice(0, 1));
      const [withBundled] = await decodeEach(borrowed, audio.slice(0, 1));
      await borrowed.release();
      expect(withBundled).toEqual(withOwn);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!present)(`tiny-en recognition quality${why}`, () => {
  let recognizer: Recognizer;
  let audio: Float32Array[];
  beforeAll(async () => {
    recognizer = await loadRecognizer({ modelDir: MODEL_DIR, modelId: 'tiny-en', device: 'cpu' });
    audio = SENTENCES.map((s) => speak(s));
  });
  afterAll(() => recognizer?.release());

  it('transcribes spoken sentences with a low word error rate', async () => {
    const results = await decodeEach(recognizer, audio.slice(0, 6));
    const edits = results.reduce((n, r, i) => n + wordEdits(words(SENTENCES[i] ?? ''), words(r.text)), 0);
    const total = SENTENCES.slice(0, 6).flatMap(words).length;
    expect(edits / total, results.map((r) => r.text).join(' | ')).toBeLessThanOrEqual(0.25);
  });

  it('times words in order, inside the audio and around the voice', async () => {
    const [result] = await decodeEach(recognizer, [concat(silence(1), audio[0] ?? silence(0), silence(1))]);
    const timed = result?.words ?? [];
    expect(timed.length).toBeGreaterThanOrEqual(6);
    const duration = ((audio[0]?.length ?? 0) + 2 * SAMPLE_RATE) / SAMPLE_RATE;
    const voice = audibleSpan(concat(silence(1), audio[0] ?? silence(0), silence(1)));
    timed.forEach((w, i) => {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(duration);
      expect(w.confidence).toBeGreaterThan(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(timed[i - 1]?.end ?? 0);
    });
    expect(timed[0]?.start).toBeGreaterThan(voice.start - 0.3);
    expect(timed.at(-1)?.end).toBeLessThan(voice.end + 0.3);
  });

  it("times a word said between two others to within half the word filter's default padding of its sound, on both sides", async () => {
    // Each phrase said as three parts, trimmed to their sound and joined with 120 ms gaps (as the
    // word-filter video is), so the middle word's true span is known.
    const phrases = [
      ['the cat ran to the park', 'damn', 'it was cold'],
      ['she said that', 'shit', 'is so hot'],
      ['we go home', 'hell', 'what a good day'],
    ];
    // Half the padding (40 ms) plus one 10 ms block at each edge, as the filter's own tests allow.
    const slack = DEFAULT_WORD_FILTER_SETTINGS.padSeconds / 2 + 0.01;
    const lead = 0.5;
    const gap = 0.12;
    const soundOf = (text: string) => {
      const said = speak(text, { wordsPerMinute: 140 });
      const span = audibleSpan(said);
      return said.subarray(Math.round(span.start * SAMPLE_RATE), Math.round(span.end * SAMPLE_RATE));
    };
    for (const [before, middle, after] of phrases) {
      const [first = silence(0), second = silence(0), third = silence(0)] = [before, middle, after].map(
        (text) => soundOf(text ?? ''),
      );
      const trueStart = lead + first.length / SAMPLE_RATE + gap;
      const trueEnd = trueStart + second.length / SAMPLE_RATE;
      const [result] = await decodeEach(recognizer, [
        concat(silence(lead), first, silence(gap), second, silence(gap), third, silence(lead)),
      ]);
      const word = result?.words.find((w) => w.word === middle);
      expect(word, result?.text).toBeDefined();
      expect(word?.start ?? 0, `start of "${middle}"`).toBeLessThanOrEqual(trueStart + slack);
      expect(word?.end ?? 0, `end of "${middle}"`).toBeGreaterThanOrEqual(trueEnd - slack);
      // Padded, the word's silence stays out of the next part even when the model drops its first word.
      expect(word?.end ?? 0, `end of "${middle}"`).toBeLessThanOrEqual(trueEnd + slack);
    }
  });

  it('gives a batch of 3 inputs in one decode call the same results as one at a time', async () => {
    const inputs = [
      audio[1],
      concat(audio[2] ?? silence(0), silence(0.7), audio[3] ?? silence(0)),
      audio[4],
    ].map((a) => a ?? silence(0));
    const alone = await decodeEach(recognizer, inputs);
    const streams = inputs.map((samples) => {
      const stream = recognizer.createStream();
      stream.acceptWaveform(samples);
      return stream;
    });
    await recognizer.decode(streams);
    streams.forEach((stream, i) => {
      const single = alone[i];
      expect(stream.result?.text).toBe(single?.text);
      expect(stream.result?.words.map((w) => [w.start, w.end])).toEqual(
        single?.words.map((w) => [expect.closeTo(w.start, 3), expect.closeTo(w.end, 3)]),
      );
      expect(stream.result?.words.map((w) => w.confidence)).toEqual(
        single?.words.map((w) => expect.closeTo(w.confidence, 2)),
      );
    });
  });

  /** All the sentences one after another, `gap(i)` after the i-th, and the seconds each starts at. */
  function recording(gap: (i: number) => Float32Array): { long: Float32Array; offsets: number[] } {
    const parts: Float32Array[] = [];
    const offsets: number[] = [];
    let at = 0;
    audio.forEach((sentence, i) => {
      const pause = gap(i);
      offsets.push(at);
      parts.push(sentence, pause);
      at += (sentence.length + pause.length) / SAMPLE_RATE;
    });
    return { long: concat(...parts), offsets };
  }

  const errorRate = (text: string) => wordErrorRate(SENTENCES.join(' '), text);

  /** What each sentence decoded on its own gives, placed at its time in the recording. */
  async function sentenceByAlone(offsets: number[]): Promise<{ word: string; middle: number }[]> {
    const alone = await decodeEach(recognizer, audio);
    return alone.flatMap((r, i) =>
      r.words.map((w) => ({ word: w.word, middle: (w.start + w.end) / 2 + (offsets[i] ?? 0) })),
    );
  }

  it('transcribes over a minute of fluent talk through transcribeLong without losing or doubling words at the cuts', async () => {
    // Short pauses, as in fluent talk: the 20 s windows (2 s overlap) cut through speech.
    const { long, offsets } = recording(() => silence(0.2));
    expect(long.length / SAMPLE_RATE).toBeGreaterThan(60);
    const expected = await sentenceByAlone(offsets);
    const aloneErrors = errorRate(expected.map((w) => w.word).join(' '));
    const result = await transcribeLong(recognizer, long);
    const got = result.words.map((w) => ({ word: w.word, middle: (w.start + w.end) / 2 }));

    // About as accurate as decoding sentence by sentence (the neighbours' sound shifts a word or two).
    const errors = errorRate(result.text);
    expect(errors, result.text).toBeLessThanOrEqual(aloneErrors + 0.03);
    // Around every window cut (cuts at 19 s, 37 s, ...) nothing is lost or doubled: the sentences
    // within 1.5 s of the cut hold as many words as they do alone, give or take one the model hears
    // differently in context (sentence edges are pauses no word straddles). The scripted model's
    // tests check the stitching word for word.
    for (let cut = 19; cut < long.length / SAMPLE_RATE; cut += 18) {
      const from = Math.max(0, ...offsets.filter((o) => o <= cut - 1.5));
      const to = Math.min(Infinity, ...offsets.filter((o) => o > cut + 1.5));
      const near = (w: { middle: number }) => w.middle >= from && w.middle < to;
      const words = (list: { word: string; middle: number }[]) => list.filter(near).map((w) => w.word);
      const counted = `around ${cut} s: ${words(got).join(' ')} | alone: ${words(expected).join(' ')}`;
      expect(Math.abs(words(got).length - words(expected).length), counted).toBeLessThanOrEqual(1);
    }
    expect(result.text).toBe(result.words.map((w) => w.word).join(' '));
  });

  it.skipIf(!vadPresent)(
    `cuts a long recording with pauses and noise at its pauses, as Silero VAD finds them${vadWhy}`,
    async () => {
      // 2.5 s between sentences: digital silence, or a hiss no one would caption.
      const { long, offsets } = recording((i) => (i % 2 === 0 ? silence(2.5) : whiteNoise(2.5, 0.02, i + 1)));
      expect(long.length / SAMPLE_RATE).toBeGreaterThan(120);
      const aloneErrors = errorRate((await sentenceByAlone(offsets)).map((w) => w.word).join(' '));
      const vad = await SileroVad.load(VAD_MODEL);
      const speech = await vad.speechSegments(long).finally(() => vad.release());
      expect(speech).toHaveLength(SENTENCES.length);

      const gated = await transcribeLong(recognizer, long, { speech });
      const ungated = await transcribeLong(recognizer, long);
      const summary = `alone ${aloneErrors}, gated ${errorRate(gated.text)}, ungated ${errorRate(ungated.text)}`;
      // Cut at pauses, the file is about as accurate as decoded whole in overlapping windows.
      expect(errorRate(gated.text), summary).toBeLessThanOrEqual(errorRate(ungated.text) + 0.03);
      for (const word of gated.words) {
        const middle = (word.start + word.end) / 2;
        expect(
          speech.some((s) => middle >= s.start && middle <= s.end),
          `${word.word} at ${middle} s`,
        ).toBe(true);
      }
    },
  );
});
