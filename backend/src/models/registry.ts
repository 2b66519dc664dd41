import { join } from 'node:path';
import { BUNDLED_MODELS_DIR } from './settings';

export type ModelSource =
  | { kind: 'bundled'; dir: string }
  | { kind: 'huggingface'; repo: string; revision: string }
  | { kind: 'url'; url: string; sha256: string };

interface ModelEntryBase {
  id: string;
  description: string;
  source: ModelSource;
  /** Every file the model needs, relative to its directory. */
  files: readonly string[];
  /** Fetched when the source has them; the engine has defaults for what they hold. */
  optionalFiles?: readonly string[];
}

/** How a model's weights are stored, which decides where it runs well. */
export type Precision = 'fp32' | 'fp16' | 'int8';

/** The devices a model suits: int8 is made for the CPU, fp16 for GPUs, fp32 runs anywhere. */
export type DeviceKind = 'cpu' | 'cuda' | 'webgpu';

/**
 * A speech recognizer: Parakeet TDT or Canary in onnx-asr's ONNX layout, or Whisper in the
 * transformers.js layout.
 */
export interface AsrModelEntry extends ModelEntryBase {
  kind: 'asr';
  encoderFile: string;
  decoderFile: string;
  precision: Precision;
  /** Where this variant is the one to take (others may run it, slower or not at all). */
  suits: readonly DeviceKind[];
  /**
   * The languages the model was trained for, where its vocabulary names more than it knows
   * (Canary-1B-v2's tokenizer has tokens for many more languages than its 25).
   */
  languages?: readonly string[];
}

const GPU: readonly DeviceKind[] = ['cuda', 'webgpu'];
const CPU: readonly DeviceKind[] = ['cpu'];

export interface VadModelEntry extends ModelEntryBase {
  kind: 'vad';
  file: string;
}

export type ModelEntry = AsrModelEntry | VadModelEntry;

export const DEFAULT_MODEL_ID = 'parakeet-tdt-0.6b-v2';
export const OFFLINE_MODEL_ID = 'tiny-en';
export const VAD_MODEL_ID = 'silero-vad';
/** The bundled Canary-layout model (English and German, made by backend/recipes/tiny-canary). */
export const TINY_CANARY_MODEL_ID = 'tiny-canary';
const CANARY_ENCODER = 'encoder-model.onnx';
const CANARY_DECODER = 'decoder-model.onnx';

// onnx-asr exports of NVIDIA's Parakeet TDT; the mel preprocessor is not in these repos
// (the engine falls back to the bundled tiny-en one, which has the same 128-bin layout).
function parakeet(version: 'v2' | 'v3', int8: boolean, description: string): AsrModelEntry {
  const suffix = int8 ? '.int8' : '';
  const encoderFile = `encoder-model${suffix}.onnx`;
  const decoderFile = `decoder_joint-model${suffix}.onnx`;
  return {
    kind: 'asr',
    id: `parakeet-tdt-0.6b-${version}${int8 ? '-int8' : ''}`,
    description,
    source: { kind: 'huggingface', repo: `istupakov/parakeet-tdt-0.6b-${version}-onnx`, revision: 'main' },
    // fp32 encoder weights are too large for one protobuf and live in an external .data file.
    files: [encoderFile, ...(int8 ? [] : [`${encoderFile}.data`]), decoderFile, 'vocab.txt'],
    optionalFiles: ['config.json'],
    encoderFile,
    decoderFile,
    precision: int8 ? 'int8' : 'fp32',
    // int8's dynamically quantized MatMuls have no GPU kernels: on a GPU they fall back to the CPU.
    suits: int8 ? CPU : GPU,
  };
}

/** The 25 European languages of Canary-1B-v2 (and Parakeet v3), as its model card lists them. */
const CANARY_1B_V2_LANGUAGES = [
  'bg',
  'hr',
  'cs',
  'da',
  'nl',
  'en',
  'et',
  'fi',
  'fr',
  'de',
  'el',
  'hu',
  'it',
  'lv',
  'lt',
  'mt',
  'pl',
  'pt',
  'ro',
  'sk',
  'sl',
  'es',
  'sv',
  'ru',
  'uk',
] as const;

// onnx-asr exports of NVIDIA's Canary (an attention encoder-decoder: encoder-model, decoder-model);
// like Parakeet's they hold no front end, and the engine brings NeMo's 128-bin one. Canary
// translates between English and each of its other languages.
function canary(
  name: 'canary-1b-v2' | 'canary-180m-flash',
  int8: boolean,
  languages: readonly string[],
  description: string,
): AsrModelEntry {
  const encoderFile = int8 ? 'encoder-model.int8.onnx' : CANARY_ENCODER;
  const decoderFile = int8 ? 'decoder-model.int8.onnx' : CANARY_DECODER;
  // Only the 1B model's fp32 encoder is too large for one protobuf.
  const external = !int8 && name === 'canary-1b-v2';
  return {
    kind: 'asr',
    id: `${name}${int8 ? '-int8' : ''}`,
    description,
    source: { kind: 'huggingface', repo: `istupakov/${name}-onnx`, revision: 'main' },
    files: [
      encoderFile,
      ...(external ? [`${encoderFile}.data`] : []),
      decoderFile,
      'vocab.txt',
      'config.json',
    ],
    encoderFile,
    decoderFile,
    precision: int8 ? 'int8' : 'fp32',
    suits: int8 ? CPU : GPU,
    languages,
  };
}

// transformers.js exports of OpenAI Whisper (onnx-community); the engine reads the configs and the
// tokenizer beside the two ONNX graphs. The `_timestamped` exports also output the cross-attention
// that word timing aligns with; without it words are spread over their segment. `quantized` is the
// int8 export, the size that suits a CPU; `fp16` the half-precision one (float16 inputs and
// outputs too), which GPUs compute natively and ONNX Runtime's CPU provider does not load.
function whisper(
  name: string,
  options: { timestamped: boolean; precision: Precision },
  description: string,
): AsrModelEntry {
  const suffix = { fp32: '', int8: '_quantized', fp16: '_fp16' }[options.precision];
  const encoderFile = `onnx/encoder_model${suffix}.onnx`;
  const decoderFile = `onnx/decoder_model_merged${suffix}.onnx`;
  const repo = `onnx-community/${name}${options.timestamped ? '_timestamped' : ''}`;
  return {
    kind: 'asr',
    id: `${name}${options.precision === 'fp32' ? '' : `-${options.precision}`}`,
    description,
    source: { kind: 'huggingface', repo, revision: 'main' },
    files: [
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      encoderFile,
      decoderFile,
    ],
    optionalFiles: [
      'added_tokens.json',
      'special_tokens_map.json',
      'normalizer.json',
      'vocab.json',
      'merges.txt',
    ],
    encoderFile,
    decoderFile,
    precision: options.precision,
    suits: { fp32: ['cpu', ...GPU] as const, int8: CPU, fp16: GPU }[options.precision],
  };
}

export const MODELS: readonly ModelEntry[] = [
  parakeet('v2', false, 'English, the default (fp32, the default on a GPU)'),
  parakeet('v2', true, 'English, int8 (the default on CPU)'),
  parakeet('v3', false, '25 European languages (fp32, for a GPU)'),
  parakeet('v3', true, '25 European languages, int8 (recommended on CPU)'),
  canary(
    'canary-1b-v2',
    false,
    CANARY_1B_V2_LANGUAGES,
    'Canary 1B v2: 25 European languages, translation to and from English (fp32, for a GPU)',
  ),
  canary('canary-1b-v2', true, CANARY_1B_V2_LANGUAGES, 'Canary 1B v2, int8 (for CPU)'),
  canary(
    'canary-180m-flash',
    false,
    ['en', 'de', 'es', 'fr'],
    'Canary 180M flash: English, German, Spanish, French, translation to and from English',
  ),
  canary('canary-180m-flash', true, ['en', 'de', 'es', 'fr'], 'Canary 180M flash, int8 (for CPU)'),
  whisper('whisper-tiny.en', { timestamped: true, precision: 'fp32' }, 'Whisper tiny, English, word times'),
  whisper(
    'whisper-tiny.en',
    { timestamped: true, precision: 'fp16' },
    'Whisper tiny, English, fp16 (for a GPU), word times',
  ),
  whisper(
    'whisper-base',
    { timestamped: true, precision: 'fp32' },
    'Whisper base, 99 languages, translation to English, word times',
  ),
  whisper(
    'whisper-base',
    { timestamped: true, precision: 'fp16' },
    'Whisper base, fp16 (for a GPU), word times',
  ),
  whisper(
    'whisper-small',
    { timestamped: true, precision: 'fp32' },
    'Whisper small, 99 languages, translation to English, word times',
  ),
  whisper(
    'whisper-small',
    { timestamped: true, precision: 'fp16' },
    'Whisper small, fp16 (for a GPU), word times',
  ),
  whisper(
    'whisper-small',
    { timestamped: true, precision: 'int8' },
    'Whisper small, int8 (for CPU), word times',
  ),
  whisper(
    'whisper-large-v3-turbo',
    { timestamped: false, precision: 'int8' },
    'Whisper large-v3 turbo, 99 languages, int8; word times spread over segments',
  ),
  {
    kind: 'asr',
    id: OFFLINE_MODEL_ID,
    description: 'tiny English test model, bundled, works offline',
    source: { kind: 'bundled', dir: join(BUNDLED_MODELS_DIR, OFFLINE_MODEL_ID) },
    files: ['nemo128.onnx', 'encoder-model.onnx', 'decoder_joint-model.onnx', 'vocab.txt', 'config.json'],
    encoderFile: 'encoder-model.onnx',
    decoderFile: 'decoder_joint-model.onnx',
    precision: 'fp32',
    suits: ['cpu', ...GPU],
  },
  {
    kind: 'asr',
    id: TINY_CANARY_MODEL_ID,
    description: 'tiny English/German Canary-layout test model, translates a small vocabulary, bundled',
    source: { kind: 'bundled', dir: join(BUNDLED_MODELS_DIR, TINY_CANARY_MODEL_ID) },
    files: [CANARY_ENCODER, CANARY_DECODER, 'vocab.txt', 'config.json'],
    encoderFile: CANARY_ENCODER,
    decoderFile: CANARY_DECODER,
    precision: 'fp32',
    suits: ['cpu', ...GPU],
  },
  {
    kind: 'vad',
    id: VAD_MODEL_ID,
    description: 'Silero VAD v5 voice activity detector',
    source: {
      kind: 'url',
      url: 'https://github.com/snakers4/silero-vad/raw/master/src/silero_vad/data/silero_vad.onnx',
      sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
    },
    files: ['silero_vad.onnx'],
    file: 'silero_vad.onnx',
  },
];

export function findModel(id: string): ModelEntry | undefined {
  return MODELS.find((m) => m.id === id);
}

/** The model `transcribe`/`serve` use without `--model` on a device kind: int8 on the CPU, fp32 on a GPU. */
export function defaultModelId(device: DeviceKind): string {
  return device === 'cpu' ? `${DEFAULT_MODEL_ID}-int8` : DEFAULT_MODEL_ID;
}

/** Why an entry cannot run on a device it does not suit (fp16 on the CPU), or undefined. */
export function unsuitedDevice(entry: AsrModelEntry, device: DeviceKind): string | undefined {
  if (entry.precision !== 'fp16' || device !== 'cpu') return undefined;
  return `${entry.id} is an fp16 variant, made for GPUs, which ONNX Runtime's CPU provider does not load: use --device webgpu or cuda, or ${entry.id.replace(/-fp16$/, '')} on the CPU`;
}
