import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDir } from '../../src/engine/locations.js';

const backendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = path.join(backendDir, 'recipes', 'tiny-whisper', 'make_tiny_whisper.py');
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
