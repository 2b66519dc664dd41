import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadWhisperRecognizer, type Recognizer, type WhisperResult } from '../../src/engine/index.js';
import type { GenerationRequest } from '../../src/engine/whisper/generation.js';
import { speak } from './speech-audio.js';
import { tinyWhisperDir } from './whisper-model.js';

const GUARDS = {
  compressionRatioThreshold: null,
  logProbThreshold: null,
  noSpeechThreshold: null,
  temperatures: [0],
};

let modelDir: string;
let speech: Float32Array;
let tokenizer: PreTrainedTokenizer;
let special: Map<string, number>;

beforeAll(async () => {
  modelDir = tinyWhisperDir();
  speech = speak('the cat is on the water and we like to read a good book');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(modelDir);
  tokenizer = await AutoTokenizer.from_pretrained(path.basename(modelDir));
  const json = JSON.parse(readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')) as {
    added_tokens: { id: number; content: string }[];
  };
  special = new Map(json.added_tokens.map((t) => [t.content, t.id]));
});

/** A recognizer on the tiny model that records every batch it hands the decoder. */
async function observed(): Promise<{ recognizer: Recognizer; batches: GenerationRequest[][] }> {
  const batches: GenerationRequest[][] = [];
  const recognizer = await loadWhisperRecognizer({
    modelDir,
    modelId: 'tiny-whisper',
    device: 'cpu',
    maxNewTokens: 24,
    guards: GUARDS,
    onGenerate: (requests) => batches.push([...requests]),
  });
  return { recognizer, batches };
}

async function decodeEach(recognizer: Recognizer, prompts: (string | undefined)[], samples: Float32Array) {
  const streams = prompts.map((prompt) => {
    const stream = recognizer.createStream(prompt === undefined ? {} : { prompt });
    stream.acceptWaveform(samples);
    return stream;
  });
  await recognizer.decode(streams);
  return streams.map((s) => s.result as WhisperResult);
}

const textTokens = (text: string) => tokenizer.encode(text, { add_special_tokens: false });

describe("Whisper's previous-text prompt", () => {
  it('opens every window of the stream with <|startofprev|> and the prompt tokens, before <|startoftranscript|>', async () => {
    const { recognizer, batches } = await observed();
    try {
      const long = new Float32Array(16000 * 34);
      long.set(speech, 0);
      long.set(speech.subarray(0, 16000 * 3), 16000 * 30.5);
      const [prompted] = await decodeEach(recognizer, ['  Earshot, Fastify and ONNX. '], long);
      const windows = batches.flat();
      expect(windows).toHaveLength(2);
      const expected = [
        special.get('<|startofprev|>'),
        ...textTokens(' Earshot, Fastify and ONNX.'),
        special.get('<|startoftranscript|>'),
      ];
      for (const window of windows) expect(window.prompt).toEqual(expected);

      // The prompt reaches the model: the same audio without it decodes differently.
      batches.length = 0;
      const [plain] = await decodeEach(recognizer, [undefined], long);
      expect(batches.flat().map((w) => w.prompt)).toEqual([
        [special.get('<|startoftranscript|>')],
        [special.get('<|startoftranscript|>')],
      ]);
      expect(prompted?.tokens.map((t) => t.id)).not.toEqual(plain?.tokens.map((t) => t.id));
    } finally {
      await recognizer.release();
    }
  });

  it('keeps only the last 223 tokens of a long prompt, as OpenAI whisper does', async () => {
    const { recognizer, batches } = await observed();
    try {
      const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
      await decodeEach(recognizer, [words], speech.subarray(0, 16000 * 2));
      const all = textTokens(` ${words}`);
      expect(all.length).toBeGreaterThan(223);
      const prompt = batches.flat()[0]?.prompt;
      expect(prompt).toEqual([
        special.get('<|startofprev|>'),
        ...all.slice(-223),
        special.get('<|startoftranscript|>'),
      ]);
    } finally {
      await recognizer.release();
    }
  });

  it('decodes streams with different prompts in one call exactly as each alone, one decoder batch per prompt length', async () => {
    const { recognizer, batches } = await observed();
    try {
      const samples = speech.subarray(0, 16000 * 3);
      // "red apple" and "blue house" encode to the same number of tokens: one batch, different rows.
      expect(textTokens(' red apple').length).toBe(textTokens(' blue house').length);
      const prompts = [undefined, 'red apple', 'a much longer prompt about a meeting', 'blue house'];
      const together = await decodeEach(recognizer, prompts, samples);
      const lengths = batches.map((batch) => batch.map((r) => r.prompt.length));
      for (const batch of lengths) expect(new Set(batch).size).toBe(1);
      expect(lengths.map((b) => b.length).sort()).toEqual([1, 1, 2]);

      const alone: WhisperResult[] = [];
      for (const prompt of prompts) alone.push(...(await decodeEach(recognizer, [prompt], samples)));
      expect(together.map((r) => r.tokens.map((t) => t.id))).toEqual(
        alone.map((r) => r.tokens.map((t) => t.id)),
      );
      expect(together.map((r) => r.text)).toEqual(alone.map((r) => r.text));
      // And the prompts do matter to what is decoded.
      expect(new Set(together.map((r) => r.text)).size).toBeGreaterThan(1);
    } finally {
      await recognizer.release();
    }
  });
});
