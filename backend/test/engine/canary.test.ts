import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryPrompt } from '../../src/engine/canary/prompt.js';
import { type CanaryResult, loadModelRecognizer, type Recognizer } from '../../src/engine/index.js';
import { readVocabulary } from '../../src/engine/vocab.js';
import { findModel, resolveModel, storeSettings, verifyModel } from '../../src/models/index.js';
import { wordErrorRate, words } from '../../src/transcript/word-errors.js';
import { FakeHub } from '../models/fake-hub.js';
import {
  canaryBarNote,
  ENGLISH,
  GERMAN,
  TINY_CANARY_DIR,
  tinyCanaryBelowBar,
} from '../tiny-canary-status.js';
import { audibleSpan, concat, SAMPLE_RATE, silence, speak } from './speech-audio.js';

const MODEL = {
  id: 'tiny-canary',
  dir: TINY_CANARY_DIR,
  encoderFile: 'encoder-model.onnx',
  decoderFile: 'decoder-model.onnx',
};
const WORD_LIST = path.join(TINY_CANARY_DIR, '..', '..', 'recipes', 'tiny-canary', 'words-en-de.tsv');

let recognizer: Recognizer;
let german: Float32Array[];
let english: Float32Array[];

beforeAll(async () => {
  recognizer = await loadModelRecognizer(MODEL, 'cpu');
  german = GERMAN.map((s) => speak(s.de, { voice: 'de' }));
  english = ENGLISH.map((s) => speak(s.en));
});
afterAll(() => recognizer?.release());

async function decode(
  inputs: { samples: Float32Array; language?: string; targetLanguage?: string }[],
): Promise<CanaryResult[]> {
  const streams = inputs.map(({ samples, ...languages }) => {
    const stream = recognizer.createStream(languages);
    stream.acceptWaveform(samples);
    return stream;
  });
  await recognizer.decode(streams);
  return streams.map((s) => s.result as CanaryResult);
}

describe('Canary in the onnx-asr layout (tiny-canary)', () => {
  it('uses only words of the bilingual list in its test sentences', () => {
    const listed = new Set(words(readFileSync(WORD_LIST, 'utf8')));
    const said = [...GERMAN, ...ENGLISH].flatMap((s) => [...words(s.de), ...words(s.en)]);
    expect(said.filter((w) => !listed.has(w))).toEqual([]);
  });

  it('reads its languages from the vocabulary: each translated to and from English, no detection', () => {
    expect(recognizer.languages).toEqual({
      languages: ['en', 'de'],
      detects: false,
      translation: { en: ['de'], de: ['en'] },
      defaultLanguage: 'en',
    });
    expect(recognizer.wordTiming).toBe('spread');
  });

  it('builds the canary2 prompt from the vocabulary, languages in the source and target places', () => {
    const vocab = readVocabulary(path.join(TINY_CANARY_DIR, 'vocab.txt'));
    const prompt = new CanaryPrompt(vocab, 'vocab.txt');
    expect(prompt.tokens('de', 'en').map((id) => vocab.pieces[id])).toEqual([
      '▁',
      '<|startofcontext|>',
      '<|startoftranscript|>',
      '<|emo:undefined|>',
      '<|de|>',
      '<|en|>',
      '<|pnc|>',
      '<|noitn|>',
      '<|notimestamp|>',
      '<|nodiarize|>',
    ]);
  });

  it('refuses, in one line, a language it does not know and a translation it cannot make', () => {
    expect(() => recognizer.createStream({ language: 'fr' })).toThrow(
      expect.objectContaining({
        code: 'unsupported_language',
        message: expect.stringMatching(/"fr".*en, de/),
      }),
    );
    expect(() => recognizer.createStream({ language: 'de', targetLanguage: 'fr' })).toThrow(
      expect.objectContaining({ code: 'translation_unsupported', message: expect.stringMatching(/into fr/) }),
    );
  });

  it('decodes streams of different lengths and languages in one batch as it decodes each alone', async () => {
    const inputs = [
      { samples: german[0] as Float32Array, language: 'de' },
      { samples: concat(silence(0.7), german[1] as Float32Array), language: 'de', targetLanguage: 'en' },
      { samples: english[0] as Float32Array, language: 'en', targetLanguage: 'de' },
      { samples: silence(0) },
    ];
    const together = await decode(inputs);
    const alone = [];
    for (const input of inputs) alone.push(...(await decode([input])));
    expect(together.map((r) => r.text)).toEqual(alone.map((r) => r.text));
    expect(together.map((r) => [r.language, r.targetLanguage])).toEqual([
      ['de', 'de'],
      ['de', 'en'],
      ['en', 'de'],
      ['en', 'en'],
    ]);
    expect(together[3]?.words).toEqual([]);
  });

  it('spreads word times over where the window sounds: in order, inside the speech, never overlapping', async () => {
    const samples = concat(
      silence(1),
      german[0] as Float32Array,
      silence(1.5),
      german[2] as Float32Array,
      silence(1),
    );
    const [result] = await decode([{ samples, language: 'de' }]);
    const sounding = audibleSpan(samples);
    const ws = result?.words ?? [];
    expect(ws.length).toBeGreaterThan(0);
    for (const [i, w] of ws.entries()) {
      expect(w.start).toBeGreaterThanOrEqual(sounding.start - 0.05);
      expect(w.end).toBeLessThanOrEqual(sounding.end + 0.05);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual((ws[i - 1] as { end: number }).end);
    }
    // No word is placed in the pause between the two sentences.
    const pause = { start: 1 + (german[0]?.length ?? 0) / SAMPLE_RATE + 0.3, end: 0 };
    pause.end = pause.start + 1.5 - 0.6;
    expect(ws.filter((w) => w.start > pause.start && w.end < pause.end)).toEqual([]);
  });
});

describe('Canary models in the store', () => {
  it('downloads the int8 files of an onnx-asr Canary repository with checksums, and loads its languages', async () => {
    const entry = findModel('canary-180m-flash-int8');
    if (entry?.source.kind !== 'huggingface')
      throw new Error('canary-180m-flash-int8 should come from the Hub');
    const scratch = mkdtempSync(path.join(tmpdir(), 'earshot-canary-store-'));
    const hub = await new FakeHub(entry.source.repo).start();
    try {
      // The tiny model's files under the names the public export uses.
      for (const [name, own] of [
        ['encoder-model.int8.onnx', 'encoder-model.onnx'],
        ['decoder-model.int8.onnx', 'decoder-model.onnx'],
        ['vocab.txt', 'vocab.txt'],
        ['config.json', 'config.json'],
      ] as const) {
        hub.addFile(name, readFileSync(path.join(TINY_CANARY_DIR, own)), name.endsWith('.onnx'));
      }
      const settings = storeSettings({
        EARSHOT_CACHE_DIR: path.join(scratch, 'cache'),
        HF_ENDPOINT: hub.hubUrl,
      });
      const model = await resolveModel('canary-180m-flash-int8', { allowDownload: true, settings });
      expect([model.encoderFile, model.decoderFile]).toEqual([
        'encoder-model.int8.onnx',
        'decoder-model.int8.onnx',
      ]);
      const report = await verifyModel('canary-180m-flash-int8', {
        settings: { ...settings, offline: true },
      });
      expect(report.files.every((f) => f.ok)).toBe(true);
      const loaded = await loadModelRecognizer(model, 'cpu');
      try {
        // The entry's languages (en, de, es, fr) narrowed to the ones the vocabulary names.
        expect(loaded.languages?.languages).toEqual(['en', 'de']);
      } finally {
        await loaded.release();
      }
    } finally {
      await hub.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe.skipIf(tinyCanaryBelowBar !== undefined)(
  `tiny-canary's transcripts and translations${canaryBarNote}`,
  () => {
    it('captions German speech in German, and in English when asked to translate', async () => {
      const inputs = german.flatMap((samples) => [
        { samples, language: 'de' },
        { samples, language: 'de', targetLanguage: 'en' },
      ]);
      const results = await decode(inputs);
      const transcripts = GERMAN.map((s, i) => wordErrorRate(s.de, results[2 * i]?.text ?? ''));
      const translations = GERMAN.map((s, i) => wordErrorRate(s.en, results[2 * i + 1]?.text ?? ''));
      expect(mean(transcripts)).toBeLessThanOrEqual(0.25);
      expect(mean(translations)).toBeLessThanOrEqual(0.35);
    });

    it('translates English speech into German', async () => {
      const results = await decode(
        english.map((samples) => ({ samples, language: 'en', targetLanguage: 'de' })),
      );
      expect(mean(ENGLISH.map((s, i) => wordErrorRate(s.de, results[i]?.text ?? '')))).toBeLessThanOrEqual(
        0.35,
      );
    });

    it('writes nothing for a window of silence', async () => {
      const samples = concat(german[0] as Float32Array, silence(40));
      const [result] = await decode([{ samples, language: 'de' }]);
      expect(result?.words.filter((w) => w.start >= 5)).toEqual([]);
      expect(wordErrorRate(GERMAN[0]?.de ?? '', result?.text ?? '')).toBeLessThanOrEqual(0.4);
    });

    it('decodes a stream longer than 30 s as windows, placing the later window after 30 s', async () => {
      const samples = concat(german[0] as Float32Array, silence(32), german[1] as Float32Array);
      const [result] = await decode([{ samples, language: 'de' }]);
      const late = result?.words.filter((w) => w.start >= 30) ?? [];
      expect(wordErrorRate(GERMAN[1]?.de ?? '', late.map((w) => w.word).join(' '))).toBeLessThanOrEqual(0.4);
    });
  },
);

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}
