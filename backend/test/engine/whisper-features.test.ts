import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { whisperFeatures } from '../../src/engine/whisper/features.js';
import { concat, silence, speak } from './speech-audio.js';
import { WHISPER_TOKENIZER_DIR } from './whisper-model.js';

const extractor = new WhisperFeatureExtractor(
  JSON.parse(readFileSync(path.join(WHISPER_TOKENIZER_DIR, 'preprocessor_config.json'), 'utf8')),
);

describe("Whisper's features over the audio only", () => {
  it('equal the features of the window padded with silence to 30 s', async () => {
    const spoken = speak('the cat is on the water');
    for (const samples of [spoken, spoken.subarray(0, 8000), concat(silence(0.4), spoken), silence(2)]) {
      const padded = (await extractor._call(samples)).input_features;
      const ours = await whisperFeatures(extractor, samples);
      expect([1, ours.bins, ours.frames]).toEqual(padded.dims);
      const expected = padded.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs((ours.data[i] ?? 0) - (expected[i] ?? 0)));
      expect(worst).toBeLessThan(1e-5);
    }
  });
});
