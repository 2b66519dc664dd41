import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from '../errors.js';
import { type ParakeetConfig, readParakeetConfig } from '../model-config.js';

/** config.json's model_type for NeMo's attention encoder-decoders (Canary) in onnx-asr's layout. */
export const CANARY_MODEL_TYPE = 'nemo-conformer-aed';

export const CANARY_ENCODER_FILE = 'encoder-model.onnx';
export const CANARY_DECODER_FILE = 'decoder-model.onnx';

/** The NeMo fields Canary shares with Parakeet, and the decoder's longest token sequence. */
export interface CanaryConfig extends Omit<ParakeetConfig, 'durations' | 'maxTokensPerStep'> {
  /** Prompt and text tokens together (onnx-asr's default: 1024). */
  maxSequenceLength: number;
}

/** True when the folder's config.json names Canary's model type. */
export function isCanaryModelDir(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return false;
  try {
    return (
      (JSON.parse(readFileSync(file, 'utf8')) as { model_type?: unknown }).model_type === CANARY_MODEL_TYPE
    );
  } catch {
    return false;
  }
}

export function readCanaryConfig(dir: string): CanaryConfig {
  const { durations: _, maxTokensPerStep: __, ...shared } = readParakeetConfig(dir);
  const raw = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const maxSequenceLength = raw.max_sequence_length ?? 1024;
  if (
    typeof maxSequenceLength !== 'number' ||
    !Number.isInteger(maxSequenceLength) ||
    maxSequenceLength <= 0
  ) {
    throw new ModelLoadError(`${dir}/config.json: "max_sequence_length" must be a positive integer`);
  }
  return { ...shared, maxSequenceLength };
}
