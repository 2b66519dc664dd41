import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelRecognizer } from '../../src/engine/index.js';
import type { Recognizer } from '../../src/engine/types.js';
import { resolveModel } from '../../src/models/index.js';
import { concat, silence, speak } from '../engine/speech-audio.js';

const RECIPE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../recipes/parakeet-twin');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
// The same build as the 0.6B twin, at a scale that builds in seconds.
const TINY_SCALE = [
  '--layers',
  '2',
  '--d-model',
  '64',
  '--sub-channels',
  '16',
  '--pred-hidden',
  '32',
  '--joint-hidden',
  '32',
];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'earshot-twin-'));
const out = path.join(scratch, 'twin');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function opTypes(file: string): string[] {
  const script = `import onnx,sys; print(' '.join(sorted({n.op_type for n in onnx.load(sys.argv[1]).graph.node})))`;
  return execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }).trim().split(' ');
}

describe.skipIf(!existsSync(PYTHON))('the Parakeet twin recipe at tiny scale', () => {
  beforeAll(() => {
    execFileSync('bash', [path.join(RECIPE, 'build.sh'), '--out', out, ...TINY_SCALE], {
      stdio: 'pipe',
    });
  }, 120_000);

  it('writes the public layout: fp32 encoder with external weights, int8 with dynamic-quantization ops', () => {
    for (const file of [
      'encoder-model.onnx',
      'encoder-model.onnx.data',
      'decoder_joint-model.onnx',
      'encoder-model.int8.onnx',
      'decoder_joint-model.int8.onnx',
      'vocab.txt',
      'config.json',
    ])
      expect(existsSync(path.join(out, file)), file).toBe(true);
    const int8 = opTypes(path.join(out, 'encoder-model.int8.onnx'));
    expect(int8).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger']));
    expect(opTypes(path.join(out, 'encoder-model.onnx'))).not.toContain('MatMulInteger');
  });

  for (const variant of ['fp32', 'int8'] as const) {
    describe(`${variant}, loaded as a model directory`, () => {
      let recognizer: Recognizer;
      beforeAll(async () => {
        const model = await resolveModel(variant === 'fp32' ? out : `${out}-int8`, { allowDownload: false });
        expect(model.encoderFile).toBe(variant === 'fp32' ? 'encoder-model.onnx' : 'encoder-model.int8.onnx');
        recognizer = await loadModelRecognizer(model, 'cpu');
      });
      afterAll(() => recognizer?.release());

      it('emits words while someone speaks and none in silence', async () => {
        const speech = speak('the weather was clear and the road ran along the river');
        const talk = recognizer.createStream();
        talk.acceptWaveform(concat(silence(1), speech, silence(1)));
        const quiet = recognizer.createStream();
        quiet.acceptWaveform(silence(3));
        await recognizer.decode([talk, quiet]);
        const words = talk.result?.words ?? [];
        // One token per 2–3 encoder frames of speech (80 ms each), calibrated at build time.
        const speechSeconds = speech.length / 16000;
        expect(words.length).toBeGreaterThan(speechSeconds * 2);
        expect(words.length).toBeLessThan(speechSeconds * 8);
        for (const word of words) {
          expect(word.start).toBeGreaterThan(0.9);
          expect(word.end).toBeLessThan(1.1 + speechSeconds + 0.4);
        }
        expect(quiet.result?.text).toBe('');
      });
    });
  }
});
