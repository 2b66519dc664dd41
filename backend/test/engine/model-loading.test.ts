import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, InvalidAudioError, loadRecognizer, ModelLoadError } from '../../src/engine/index.js';
import type { Recognizer } from '../../src/engine/types.js';

const SCRIPTED = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/tdt-durations',
);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'earshot-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the scripted model with `change` applied, in a fresh temp folder. */
function variant(name: string, change: (dir: string) => void): string {
  const dir = path.join(scratch, name);
  cpSync(SCRIPTED, dir, { recursive: true });
  change(dir);
  return dir;
}

const load = (modelDir: string, extra: { encoderFile?: string } = {}) =>
  loadRecognizer({ modelDir, modelId: 'scripted', device: 'cpu', ...extra });

describe('loading a model directory', () => {
  it('names the missing folder or file', async () => {
    await expect(load(path.join(scratch, 'nowhere'))).rejects.toThrow(/does not exist/);
    const noEncoder = variant('no-encoder', (d) => rmSync(path.join(d, 'encoder-model.onnx')));
    await expect(load(noEncoder)).rejects.toThrow(/has no encoder-model\.onnx/);
    await expect(load(SCRIPTED, { encoderFile: 'encoder-model.int8.onnx' })).rejects.toThrow(
      /has no encoder-model\.int8\.onnx/,
    );
    const noVocab = variant('no-vocab', (d) => rmSync(path.join(d, 'vocab.txt')));
    await expect(load(noVocab)).rejects.toBeInstanceOf(ModelLoadError);
    const noPreprocessor = variant('no-preprocessor', (d) => rmSync(path.join(d, 'nemo1.onnx')));
    await expect(load(noPreprocessor)).rejects.toThrow(/no nemo1\.onnx preprocessor/);
  });

  it('loads an encoder under another file name, as for quantized variants', async () => {
    const renamed = variant('renamed', (d) => {
      cpSync(path.join(d, 'encoder-model.onnx'), path.join(d, 'encoder-model.int8.onnx'));
      rmSync(path.join(d, 'encoder-model.onnx'));
    });
    const recognizer = await load(renamed, { encoderFile: 'encoder-model.int8.onnx' });
    const stream = recognizer.createStream();
    stream.acceptWaveform(new Float32Array(16 * 1280));
    await recognizer.decode([stream]);
    expect(stream.result?.text).toBe('cat dogs');
    await recognizer.release();
  });

  it('rejects a broken config, vocabulary or ONNX file with a readable error', async () => {
    const badConfig = variant('bad-config', (d) =>
      writeFileSync(path.join(d, 'config.json'), '{"subsampling_factor": 0}'),
    );
    await expect(load(badConfig)).rejects.toThrow(/subsampling_factor.*positive integer/);
    const badVocab = variant('bad-vocab', (d) => writeFileSync(path.join(d, 'vocab.txt'), 'a 0\nb 2\n'));
    await expect(load(badVocab)).rejects.toThrow(/token id 1 is missing/);
    const badOnnx = variant('bad-onnx', (d) =>
      writeFileSync(path.join(d, 'decoder_joint-model.onnx'), 'not a model'),
    );
    await expect(load(badOnnx)).rejects.toThrow(/Cannot load ONNX model .*decoder_joint-model\.onnx/);
    const swapped = variant('swapped', (d) =>
      cpSync(path.join(d, 'encoder-model.onnx'), path.join(d, 'decoder_joint-model.onnx')),
    );
    await expect(load(swapped)).rejects.toThrow(
      /not in the Parakeet ONNX layout: missing inputs encoder_outputs/,
    );
  });
});

describe('streams and decode calls', () => {
  let recognizer: Recognizer;
  beforeAll(async () => {
    recognizer = await load(SCRIPTED);
  });
  afterAll(() => recognizer?.release());

  it('refuses samples that are not finite floats', () => {
    const stream = recognizer.createStream();
    expect(() => stream.acceptWaveform(Float32Array.of(0, Number.NaN))).toThrow(InvalidAudioError);
    expect(() => stream.acceptWaveform([0.1, 0.2] as unknown as Float32Array)).toThrow(/Float32Array/);
    expect(stream.duration).toBe(0);
  });

  it('refuses a stream made by another recognizer', async () => {
    const other = await load(SCRIPTED);
    const foreign = other.createStream();
    await expect(recognizer.decode([foreign])).rejects.toBeInstanceOf(EngineError);
    await other.release();
  });

  it('serves concurrent decode calls, each with its own correct result', async () => {
    const lengths = [16, 12, 6, 13, 16, 6];
    const streams = lengths.map((frames) => {
      const stream = recognizer.createStream();
      stream.acceptWaveform(new Float32Array(frames * 1280));
      return stream;
    });
    await Promise.all(streams.map((s) => recognizer.decode([s])));
    expect(streams.map((s) => s.result?.text)).toEqual([
      'cat dogs',
      'cat dog',
      'cat dog',
      'cat dogs',
      'cat dogs',
      'cat dog',
    ]);
  });
});
