import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CudaUnavailableError,
  EngineError,
  loadModelRecognizer,
  loadWhisperRecognizer,
  type Recognizer,
  SileroVad,
  type WhisperOptions,
  type WhisperResult,
} from '../../src/engine/index.js';
import {
  findModel,
  ModelUnavailableError,
  resolveModel,
  storeSettings,
  verifyModel,
} from '../../src/models/index.js';
import { FakeHub } from '../models/fake-hub.js';
import { silence, speak, whiteNoise } from './speech-audio.js';
import { tinyWhisperDir } from './whisper-model.js';

const GUARDS_OFF = { compressionRatioThreshold: null, logProbThreshold: null, noSpeechThreshold: null };

let modelDir: string;
let scratch: string;
let speech: Float32Array;

beforeAll(() => {
  modelDir = tinyWhisperDir();
  scratch = mkdtempSync(path.join(tmpdir(), 'earshot-whisper-'));
  speech = speak('the cat is on the water and we like to read a good book');
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const load = (extra: Partial<WhisperOptions> = {}) =>
  loadWhisperRecognizer({ modelDir, modelId: 'tiny-whisper', device: 'cpu', maxNewTokens: 48, ...extra });

async function decodeOne(recognizer: Recognizer, samples: Float32Array): Promise<WhisperResult> {
  const stream = recognizer.createStream();
  stream.acceptWaveform(samples);
  await recognizer.decode([stream]);
  return stream.result as WhisperResult;
}

function expectWellFormed(result: WhisperResult, duration: number) {
  expect(result.segments.length).toBeGreaterThan(0);
  let previousEnd = 0;
  for (const segment of result.segments) {
    expect(segment.text.trim()).not.toBe('');
    expect(segment.start).toBeGreaterThanOrEqual(previousEnd - 1e-6);
    expect(segment.end).toBeGreaterThanOrEqual(segment.start);
    expect(segment.end).toBeLessThanOrEqual(duration + 1e-6);
    previousEnd = segment.end;
  }
  expect(result.words.length).toBeGreaterThan(0);
  expect(result.text).toBe(result.words.map((w) => w.word).join(' '));
  let previousStart = 0;
  for (const word of result.words) {
    expect(word.word).toMatch(/\S/);
    expect(word.word).not.toMatch(/\s/);
    expect(word.start).toBeGreaterThanOrEqual(previousStart);
    expect(word.end).toBeGreaterThanOrEqual(word.start);
    expect(word.end).toBeLessThanOrEqual(duration + 1e-6);
    expect(word.confidence).toBeGreaterThan(0);
    expect(word.confidence).toBeLessThanOrEqual(1);
    previousStart = word.start;
  }
  for (const token of result.tokens) expect(token.text).not.toContain('\uFFFD');
  expect(result.segments.map((s) => s.text).join(' ')).toBe(result.words.map((w) => w.word).join(' '));
}

describe('Whisper engine on a tiny generated model in the transformers.js layout', () => {
  it('is loaded by the same helper serve and transcribe use, on the CPU, with word alignment', async () => {
    const recognizer = await loadModelRecognizer(
      {
        id: 'tiny-whisper',
        dir: modelDir,
        encoderFile: 'onnx/encoder_model.onnx',
        decoderFile: 'onnx/decoder_model_merged.onnx',
      },
      'cpu',
    );
    try {
      expect(recognizer.modelId).toBe('tiny-whisper');
      expect(recognizer.device).toBe('cpu');
      expect(recognizer.providers).toEqual(['cpu']);
      expect(recognizer.sampleRate).toBe(16000);
      expect((recognizer as unknown as { wordAlignment: boolean }).wordAlignment).toBe(true);
    } finally {
      await recognizer.release();
    }
  });

  it('is a model transformers.js itself loads and runs (the layout is the real one)', async () => {
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = path.dirname(modelDir);
    const asr = await pipeline('automatic-speech-recognition', path.basename(modelDir), { dtype: 'fp32' });
    const out = (await asr(speech.subarray(0, 16000 * 2), {
      return_timestamps: 'word',
      max_new_tokens: 8,
    })) as {
      chunks?: unknown[];
    };
    expect(out.chunks?.length).toBeGreaterThan(0);
    await asr.dispose();
  });

  it('decodes a batch of streams into well-formed segments, timed words and tokens', async () => {
    const recognizer = await load({ guards: { ...GUARDS_OFF, temperatures: [0] } });
    try {
      const short = speech.subarray(0, 16000 * 2);
      const streams = [speech, short].map((samples) => {
        const stream = recognizer.createStream();
        stream.acceptWaveform(samples);
        return stream;
      });
      const empty = recognizer.createStream();
      await recognizer.decode([...streams, empty]);
      expectWellFormed(streams[0]?.result as WhisperResult, speech.length / 16000);
      expectWellFormed(streams[1]?.result as WhisperResult, 2);
      const first = streams[0]?.result as WhisperResult;
      expect(first.language).toBe('en');
      expect(first.temperature).toBe(0);
      expect(first.droppedBy).toBeNull();
      expect(empty.result?.words).toEqual([]);
      // The same window alone decodes the same: batching does not change results.
      const alone = await decodeOne(recognizer, short);
      expect(alone.text).toBe(streams[1]?.result?.text);
    } finally {
      await recognizer.release();
    }
  });

  it('decodes a stream longer than 30 s as consecutive windows, with times past 30 s', async () => {
    const recognizer = await load({ guards: { ...GUARDS_OFF, temperatures: [0] } });
    try {
      const long = new Float32Array(16000 * 34);
      long.set(speech, 0);
      long.set(speech.subarray(0, 16000 * 3), 16000 * 30.5);
      const result = await decodeOne(recognizer, long);
      expectWellFormed(result, 34);
      expect(result.segments.at(-1)?.end).toBeGreaterThan(30);
    } finally {
      await recognizer.release();
    }
  });

  it('drops its own babble with the default guards after trying every temperature', async () => {
    const recognizer = await load();
    try {
      const result = await decodeOne(recognizer, speech);
      expect(result.text).toBe('');
      expect(result.words).toEqual([]);
      expect(['compression_ratio', 'log_prob']).toContain(result.droppedBy);
      expect(result.temperature).toBe(1);
    } finally {
      await recognizer.release();
    }
  });

  it('drives each guard: compression ratio, log-probability, no-speech', async () => {
    const measure = await load({ guards: { ...GUARDS_OFF, temperatures: [0] } });
    const kept = await decodeOne(measure, speech);
    await measure.release();
    expect(kept.words.length).toBeGreaterThan(0);

    const verdict = async (guards: WhisperOptions['guards']) => {
      const recognizer = await load({ guards: { ...GUARDS_OFF, temperatures: [0], ...guards } });
      try {
        const result = await decodeOne(recognizer, speech);
        return { droppedBy: result.droppedBy, words: result.words.length };
      } finally {
        await recognizer.release();
      }
    };
    const ratio = kept.compressionRatio;
    expect(await verdict({ compressionRatioThreshold: ratio - 0.01 })).toEqual({
      droppedBy: 'compression_ratio',
      words: 0,
    });
    expect((await verdict({ compressionRatioThreshold: ratio + 0.01 })).droppedBy).toBeNull();
    expect(await verdict({ logProbThreshold: kept.avgLogProb + 0.01 })).toEqual({
      droppedBy: 'log_prob',
      words: 0,
    });
    expect((await verdict({ logProbThreshold: kept.avgLogProb - 0.01 })).droppedBy).toBeNull();
    const silent = { noSpeechThreshold: kept.noSpeechProb / 2, logProbThreshold: kept.avgLogProb + 0.01 };
    expect(await verdict(silent)).toEqual({ droppedBy: 'no_speech', words: 0 });
    // No-speech needs a guess too: with confident text the window is kept.
    expect((await verdict({ ...silent, logProbThreshold: kept.avgLogProb - 0.01 })).droppedBy).toBeNull();
  });

  it('does not retry a silent window at higher temperatures', async () => {
    const recognizer = await load({
      guards: {
        noSpeechThreshold: 0,
        logProbThreshold: 0,
        compressionRatioThreshold: null,
        temperatures: [0, 0.5, 1],
      },
    });
    try {
      const result = await decodeOne(recognizer, speech);
      expect(result.droppedBy).toBe('no_speech');
      expect(result.temperature).toBe(0);
    } finally {
      await recognizer.release();
    }
  });

  it('gates with Silero VAD: silence and noise are not decoded, speech is', async () => {
    const vad = await SileroVad.load();
    const recognizer = await load({ vad, guards: { ...GUARDS_OFF, temperatures: [0] } });
    try {
      expect((await decodeOne(recognizer, silence(3))).droppedBy).toBe('no_voice');
      expect((await decodeOne(recognizer, whiteNoise(3, 0.05))).droppedBy).toBe('no_voice');
      const spoken = await decodeOne(recognizer, speech);
      expect(spoken.droppedBy).toBeNull();
      expect(spoken.words.length).toBeGreaterThan(0);
    } finally {
      await recognizer.release();
    }
  });

  it('stops a babbling decoding at what its audio could hold, so a window costs by its length', async () => {
    // Without the bound the random model writes to the 224-token limit whatever the audio.
    const recognizer = await load({ maxNewTokens: 224, guards: { ...GUARDS_OFF, temperatures: [0] } });
    try {
      const tokens = async (seconds: number) =>
        (await decodeOne(recognizer, speech.subarray(0, 16000 * seconds))).tokens.length;
      const [one, three] = [await tokens(1), await tokens(3)];
      expect(one).toBeLessThanOrEqual(16 + 10);
      expect(three).toBeLessThanOrEqual(16 + 30);
      expect(three).toBeGreaterThan(one);
    } finally {
      await recognizer.release();
    }
  });

  it('skips its own speech check for audio its caller found speech in', async () => {
    const vad = await SileroVad.load();
    const recognizer = await load({ vad, guards: { ...GUARDS_OFF, temperatures: [0] } });
    try {
      const stream = recognizer.createStream({ voiced: true });
      stream.acceptWaveform(silence(3));
      await recognizer.decode([stream]);
      expect((stream.result as WhisperResult).droppedBy).not.toBe('no_voice');
    } finally {
      await recognizer.release();
    }
  });

  it('refuses language and translation options an English-only model cannot honour', async () => {
    await expect(load({ language: 'de' })).rejects.toMatchObject({ code: 'invalid_options' });
    await expect(load({ task: 'translate' })).rejects.toBeInstanceOf(EngineError);
    const english = await load({ language: 'en' });
    await english.release();
  });

  it('detects the language of each window on a multilingual model, or uses the one given', async () => {
    const multi = path.join(scratch, 'multilingual');
    cpSync(modelDir, multi, { recursive: true });
    const generationFile = path.join(multi, 'generation_config.json');
    const generation = JSON.parse(readFileSync(generationFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(generationFile, JSON.stringify({ ...generation, is_multilingual: true }));
    const options = { modelDir: multi, modelId: 'multi', device: 'cpu', maxNewTokens: 16 };
    const guards = { ...GUARDS_OFF, temperatures: [0] };

    const detecting = await loadWhisperRecognizer({ ...options, guards });
    const detected = await decodeOne(detecting, speech);
    await detecting.release();
    expect(detected.language).toMatch(/^[a-z]{2,3}$/);

    const german = await loadWhisperRecognizer({ ...options, guards, language: 'de', task: 'translate' });
    const translated = await decodeOne(german, speech);
    await german.release();
    expect(translated.language).toBe('de');
    expect(translated.segments.length).toBeGreaterThan(0);
    await expect(loadWhisperRecognizer({ ...options, language: 'klingon' })).rejects.toMatchObject({
      code: 'invalid_options',
    });
  });

  it('translates into English on request, stream by stream, beside streams it transcribes', async () => {
    const multi = path.join(scratch, 'multilingual-requests');
    cpSync(modelDir, multi, { recursive: true });
    const generationFile = path.join(multi, 'generation_config.json');
    const generation = JSON.parse(readFileSync(generationFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(generationFile, JSON.stringify({ ...generation, is_multilingual: true }));
    const prompts: number[][] = [];
    const recognizer = await loadWhisperRecognizer({
      modelDir: multi,
      modelId: 'multi',
      device: 'cpu',
      maxNewTokens: 8,
      guards: { ...GUARDS_OFF, temperatures: [0] },
      onGenerate: (requests) => prompts.push(...requests.map((r) => [...r.prompt])),
    });
    try {
      expect(recognizer.languages).toMatchObject({ detects: true, translation: { '*': ['en'] } });
      const special = JSON.parse(readFileSync(path.join(multi, 'tokenizer.json'), 'utf8')) as {
        added_tokens: { id: number; content: string }[];
      };
      const id = (content: string) => special.added_tokens.find((t) => t.content === content)?.id;
      const streams = [
        recognizer.createStream({ language: 'de', targetLanguage: 'en' }),
        recognizer.createStream({ language: 'de' }),
      ];
      for (const stream of streams) stream.acceptWaveform(speech);
      await recognizer.decode(streams);
      const [translating, transcribing] = prompts;
      expect(translating).toContain(id('<|de|>'));
      expect(translating).toContain(id('<|translate|>'));
      expect(translating).not.toContain(id('<|transcribe|>'));
      expect(transcribing).toContain(id('<|transcribe|>'));
      expect(transcribing).not.toContain(id('<|translate|>'));
      expect(() => recognizer.createStream({ language: 'de', targetLanguage: 'fr' })).toThrow(
        expect.objectContaining({ code: 'translation_unsupported' }),
      );
    } finally {
      await recognizer.release();
    }
  });

  it('fails fast on CUDA it cannot use instead of falling back to the CPU', async () => {
    await expect(load({ device: 'cuda', cudaLibraryDir: scratch })).rejects.toBeInstanceOf(
      CudaUnavailableError,
    );
    const warnings: string[] = [];
    const auto = await load({ device: 'auto', cudaLibraryDir: scratch, warn: (line) => warnings.push(line) });
    expect(auto.device).toBe('cpu');
    expect(warnings.join('\n')).toMatch(/WARNING: device "auto" is running speech recognition on the CPU/);
    await auto.release();
  });
});

describe('Whisper models in the store', () => {
  it('says which files are missing and how to get them when a Whisper model is not downloaded', async () => {
    const settings = { ...storeSettings({}), cacheDir: path.join(scratch, 'cache'), offline: true };
    const error = await resolveModel('whisper-tiny.en', { allowDownload: true, settings }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('onnx/encoder_model.onnx');
    expect(message).toContain('onnx/decoder_model_merged.onnx');
    expect(message).toContain('HF_HUB_OFFLINE=1');
    expect(message).toContain('pnpm earshot models download whisper-tiny.en');
  });

  it('downloads a Whisper model from the Hub into its onnx/ folder and loads it from the cache', async () => {
    const entry = findModel('whisper-tiny.en');
    if (entry?.source.kind !== 'huggingface') throw new Error('whisper-tiny.en should come from the Hub');
    const hub = await new FakeHub(entry.source.repo).start();
    try {
      const files = (folder: string): string[] =>
        readdirSync(folder).flatMap((name) => {
          const full = path.join(folder, name);
          return statSync(full).isDirectory() ? files(full) : [full];
        });
      for (const file of files(modelDir)) {
        const relative = path.relative(modelDir, file);
        if (!relative.startsWith('.')) hub.addFile(relative, readFileSync(file), relative.endsWith('.onnx'));
      }
      const settings = storeSettings({
        EARSHOT_CACHE_DIR: path.join(scratch, 'hub-cache'),
        HF_ENDPOINT: hub.hubUrl,
      });
      const model = await resolveModel('whisper-tiny.en', { allowDownload: true, settings });
      expect(model.encoderFile).toBe('onnx/encoder_model.onnx');
      const report = await verifyModel('whisper-tiny.en', { settings: { ...settings, offline: true } });
      expect(report.files.every((f) => f.ok)).toBe(true);
      const recognizer = await loadModelRecognizer(model, 'cpu');
      expect(recognizer.modelId).toBe('whisper-tiny.en');
      await recognizer.release();
    } finally {
      await hub.stop();
    }
  });

  it('takes a Whisper directory as --model and finds its ONNX files', async () => {
    const resolved = await resolveModel(modelDir, { allowDownload: false });
    expect(resolved).toMatchObject({
      dir: modelDir,
      encoderFile: 'onnx/encoder_model.onnx',
      decoderFile: 'onnx/decoder_model_merged.onnx',
    });
  });
});
