import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../../src/engine/locations.js';

const backendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = path.join(backendDir, 'recipes', 'tiny-whisper', 'make_tiny_whisper.py');
const TO_FP16 = path.join(backendDir, 'recipes', 'tiny-whisper', 'to_fp16.py');
const CACHE = path.join(backendDir, '.cache');
const STAMP = '.generated-by';

/** The real whisper-tiny.en tokenizer and configs, provided beside the repository. */
export const WHISPER_TOKENIZER_DIR = path.join(sharedDir(), 'models', 'whisper-tiny.en-tokenizer');

/**
 * A tiny random-weight Whisper in the transformers.js layout, generated on first use (and again
 * whenever the generator changes) into backend/.cache. Needs Python with torch and onnx
 * (`PYTHON`, default /usr/bin/python3: Debian's python3-torch and python3-onnx).
 */
export function tinyWhisperDir(): string {
  const stamp = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex');
  const dir = path.join(CACHE, 'tiny-whisper');
  const stampFile = path.join(dir, STAMP);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;

  mkdirSync(CACHE, { recursive: true });
  const building = path.join(CACHE, `tiny-whisper.${process.pid}.tmp`);
  rmSync(building, { recursive: true, force: true });
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const run = spawnSync(python, [SCRIPT, WHISPER_TOKENIZER_DIR, building, '--seed', '0'], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (run.status !== 0) {
    throw new Error(
      `generating the tiny Whisper model failed (${python} needs torch and onnx; set PYTHON to another interpreter):\n${run.stderr || run.error}`,
    );
  }
  writeFileSync(path.join(building, STAMP), stamp);
  // Another test process may have finished the same model first; keep that one.
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    rmSync(building, { recursive: true, force: true });
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return dir;
}

/** The fp16 graphs of the tiny Whisper (`onnx/*_fp16.onnx`, as onnx-community names them), cast on first use. */
export function tinyWhisperFp16Files(dir: string = tinyWhisperDir()): {
  encoderFile: string;
  decoderFile: string;
} {
  const files = {
    encoderFile: 'onnx/encoder_model_fp16.onnx',
    decoderFile: 'onnx/decoder_model_merged_fp16.onnx',
  };
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const stamp = createHash('sha256').update(readFileSync(TO_FP16)).digest('hex');
  const stampFile = path.join(dir, `${STAMP}-fp16`);
  const current = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
  for (const [source, target] of [
    ['onnx/encoder_model.onnx', files.encoderFile],
    ['onnx/decoder_model_merged.onnx', files.decoderFile],
  ] as const) {
    if (current && existsSync(path.join(dir, target))) continue;
    const building = path.join(dir, `${target}.${process.pid}.tmp`);
    const run = spawnSync(python, [TO_FP16, path.join(dir, source), building], { encoding: 'utf8' });
    if (run.status !== 0)
      throw new Error(`casting the tiny Whisper to fp16 failed:\n${run.stderr || run.error}`);
    renameSync(building, path.join(dir, target));
  }
  writeFileSync(stampFile, stamp);
  return files;
}
