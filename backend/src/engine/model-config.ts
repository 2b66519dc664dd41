import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from './errors.js';

/** The parts of a Parakeet ONNX model's config.json the engine uses, with NeMo's defaults filled in. */
export interface ParakeetConfig {
  modelType: string;
  featuresSize: number;
  sampleRate: number;
  hopLength: number;
  subsamplingFactor: number;
  maxTokensPerStep: number;
  /** Frame skips the TDT duration head chooses between; unused by a plain RNN-T joint. */
  durations: number[];
  /** Seconds per encoder frame: hop / sample rate × subsampling. */
  frameShift: number;
}

export function readParakeetConfig(modelDir: string): ParakeetConfig {
  const file = path.join(modelDir, 'config.json');
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ModelLoadError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const positiveInt = (key: string, fallback: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ModelLoadError(`${file}: "${key}" must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const durations = raw.durations ?? [0, 1, 2, 3, 4];
  if (!Array.isArray(durations) || !durations.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelLoadError(`${file}: "durations" must be a list of non-negative integers`);
  }
  const sampleRate = positiveInt('sample_rate', 16000);
  const hopLength = positiveInt('hop_length', 160);
  const subsamplingFactor = positiveInt('subsampling_factor', 8);
  return {
    modelType: typeof raw.model_type === 'string' ? raw.model_type : 'nemo-conformer-tdt',
    featuresSize: positiveInt('features_size', 128),
    sampleRate,
    hopLength,
    subsamplingFactor,
    maxTokensPerStep: positiveInt('max_tokens_per_step', 10),
    durations: durations as number[],
    frameShift: (hopLength / sampleRate) * subsamplingFactor,
  };
}
