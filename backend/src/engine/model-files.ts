import { existsSync } from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from './errors.js';
import { BUNDLED_NEMO128_PREPROCESSOR } from './locations.js';

/** A file of a model directory, or a ModelLoadError naming what is missing. */
export function modelFile(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new ModelLoadError(`Model directory ${dir} has no ${name}`);
  return file;
}

/** The NeMo front end of a model directory, else the bundled 128-bin one where that is the size asked for. */
export function preprocessorFile(dir: string, featuresSize: number): string {
  const own = path.join(dir, `nemo${featuresSize}.onnx`);
  if (existsSync(own)) return own;
  if (featuresSize === 128 && existsSync(BUNDLED_NEMO128_PREPROCESSOR)) return BUNDLED_NEMO128_PREPROCESSOR;
  throw new ModelLoadError(`Model directory ${dir} has no nemo${featuresSize}.onnx preprocessor`);
}
