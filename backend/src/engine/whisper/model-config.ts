import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelLoadError } from '../errors.js';

/** Files of a Whisper export in the transformers.js (onnx-community) layout, relative to its folder. */
export const WHISPER_ENCODER_FILE = 'onnx/encoder_model.onnx';
export const WHISPER_DECODER_FILE = 'onnx/decoder_model_merged.onnx';

/** Seconds per timestamp token and per encoder frame. */
export const TIME_PRECISION = 0.02;
/** Whisper always sees 30 s windows; shorter audio is padded with silence. */
export const WINDOW_SECONDS = 30;

/** English-only Whisper models have 51864 tokens, multilingual ones 51865 and more. */
const MULTILINGUAL_VOCAB_SIZE = 51865;

/** What the engine needs from config.json, generation_config.json and the tokenizer's special tokens. */
export interface WhisperModelConfig {
  numMelBins: number;
  decoderLayers: number;
  decoderHeads: number;
  headDim: number;
  vocabSize: number;
  maxTargetPositions: number;
  isMultilingual: boolean;
  sot: number;
  /** `<|startofprev|>`, which opens the previous-text prompt. */
  sotPrev: number;
  eot: number;
  transcribe: number | undefined;
  translate: number | undefined;
  noTimestamps: number;
  /** First timestamp token (`<|0.00|>`); every id from here up is a timestamp. */
  timestampBegin: number;
  /** `<|nospeech|>` (v3) or `<|nocaptions|>` (earlier models). */
  noSpeech: number | undefined;
  /** `<|xx|>` → id, for multilingual models. */
  languages: ReadonlyMap<string, number>;
  suppressTokens: readonly number[];
  beginSuppressTokens: readonly number[];
  maxInitialTimestampIndex: number;
  /** [layer, head] pairs whose cross-attention follows the audio; empty when the export has none. */
  alignmentHeads: readonly (readonly [number, number])[];
  medianFilterWidth: number;
}

export function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file))
    throw new ModelLoadError(`Whisper model is missing ${path.basename(file)} (${file})`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelLoadError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** True when the folder holds a Whisper export (config.json says `model_type: whisper`). */
export function isWhisperModelDir(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { model_type?: unknown }).model_type === 'whisper';
  } catch {
    return false;
  }
}

export function readWhisperConfig(
  dir: string,
  specialTokens: ReadonlyMap<string, number>,
): WhisperModelConfig {
  const configFile = path.join(dir, 'config.json');
  const config = readJson(configFile);
  const generation = readJson(path.join(dir, 'generation_config.json'));
  const int = (source: Record<string, unknown>, key: string, file: string): number => {
    const value = source[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new ModelLoadError(
        `${file}: "${key}" must be a non-negative integer, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const token = (name: string): number | undefined => specialTokens.get(name);
  const required = (name: string): number => {
    const id = token(name);
    if (id === undefined) throw new ModelLoadError(`Whisper tokenizer in ${dir} has no ${name} token`);
    return id;
  };
  const ids = (value: unknown): number[] =>
    Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v)) : [];
  const noTimestamps = required('<|notimestamps|>');
  const languages = new Map<string, number>();
  for (const [name, id] of specialTokens) {
    const match = /^<\|([a-z]{2,3})\|>$/.exec(name);
    if (match?.[1] && id > required('<|startoftranscript|>') && id < noTimestamps)
      languages.set(match[1], id);
  }
  const decoderLayers = int(config, 'decoder_layers', configFile);
  const decoderHeads = int(config, 'decoder_attention_heads', configFile);
  const alignmentHeads = Array.isArray(generation.alignment_heads)
    ? (generation.alignment_heads as unknown[])
        .filter(
          (pair): pair is [number, number] =>
            Array.isArray(pair) && pair.length === 2 && pair.every((n) => Number.isInteger(n)),
        )
        .filter(([layer, head]) => layer < decoderLayers && head < decoderHeads)
    : [];
  return {
    numMelBins: int(config, 'num_mel_bins', configFile),
    decoderLayers,
    decoderHeads,
    headDim: int(config, 'd_model', configFile) / decoderHeads,
    vocabSize: int(config, 'vocab_size', configFile),
    maxTargetPositions: int(config, 'max_target_positions', configFile),
    isMultilingual:
      typeof generation.is_multilingual === 'boolean'
        ? generation.is_multilingual
        : int(config, 'vocab_size', configFile) >= MULTILINGUAL_VOCAB_SIZE,
    sot: required('<|startoftranscript|>'),
    sotPrev: required('<|startofprev|>'),
    eot: required('<|endoftext|>'),
    transcribe: token('<|transcribe|>'),
    translate: token('<|translate|>'),
    noTimestamps,
    timestampBegin: noTimestamps + 1,
    noSpeech: token('<|nospeech|>') ?? token('<|nocaptions|>'),
    languages,
    suppressTokens: ids(generation.suppress_tokens ?? config.suppress_tokens),
    beginSuppressTokens: ids(generation.begin_suppress_tokens ?? config.begin_suppress_tokens),
    maxInitialTimestampIndex:
      typeof generation.max_initial_timestamp_index === 'number'
        ? generation.max_initial_timestamp_index
        : 50,
    alignmentHeads,
    medianFilterWidth: typeof config.median_filter_width === 'number' ? config.median_filter_width : 7,
  };
}
