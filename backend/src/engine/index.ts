import { existsSync } from 'node:fs';
import { isCanaryModelDir } from './canary/model-config.js';
import type { CanaryOptions } from './canary/recognizer.js';
import { EngineError } from './errors.js';
import { type ParakeetOptions, ParakeetRecognizer } from './parakeet.js';
import type { Recognizer } from './types.js';
import { defaultSileroVadPath, SileroVad } from './vad.js';
import { isWhisperModelDir } from './whisper/model-config.js';
import type { WhisperOptions } from './whisper/recognizer.js';

export { CANARY_DECODER_FILE, CANARY_ENCODER_FILE, isCanaryModelDir } from './canary/model-config.js';
export type { CanaryOptions, CanaryResult } from './canary/recognizer.js';
export { type CudaInstallResult, installCudaProviders, missingCudaProviderLibraries } from './cuda.js';
export { checkDevice } from './device.js';
export { isDeviceRequest, parseDevice } from './device-request.js';
export {
  CudaUnavailableError,
  EngineError,
  InvalidAudioError,
  InvalidDeviceError,
  ModelLoadError,
} from './errors.js';
export { chooseLanguages, type LanguageChoice, translates, translationTargets } from './language-support.js';
export { sharedDir } from './locations.js';
export {
  type DecodedWindow,
  type DecodeWindows,
  type LongAudioOptions,
  type LongRecognition,
  transcribeLong,
  transcribeWindows,
} from './long-audio.js';
export type * from './types.js';
export {
  defaultSileroVadPath,
  SILERO_VAD_URL,
  SileroVad,
  type SpeechSegment,
  type SpeechSegmentOptions,
} from './vad.js';
export { isWhisperModelDir, WHISPER_DECODER_FILE, WHISPER_ENCODER_FILE } from './whisper/model-config.js';
export type { WhisperOptions, WhisperResult } from './whisper/recognizer.js';
export type { ParakeetOptions as LoadRecognizerOptions };

/**
 * Loads a speech recognizer. Throws InvalidDeviceError for an unknown device, CudaUnavailableError
 * when CUDA was asked for and cannot run, ModelLoadError when the directory is not a usable model.
 */
export function loadRecognizer(options: ParakeetOptions): Promise<Recognizer> {
  return ParakeetRecognizer.load(options);
}

/** Loads a Whisper model in the transformers.js ONNX layout (transformers.js loads only when used). */
export async function loadWhisperRecognizer(options: WhisperOptions): Promise<Recognizer> {
  const { WhisperRecognizer } = await import('./whisper/recognizer.js');
  return WhisperRecognizer.load(options);
}

/** Loads NVIDIA Canary in the onnx-asr layout (an attention encoder-decoder). */
export async function loadCanaryRecognizer(options: CanaryOptions): Promise<Recognizer> {
  const { CanaryRecognizer } = await import('./canary/recognizer.js');
  return CanaryRecognizer.load(options);
}

/** The languages a model is loaded with: defaults for requests that name none. */
export interface LanguageDefaults {
  /** The spoken language; absent: detected (Whisper) or the model's default (Canary: English). */
  language?: string;
  /** Write in this language when a request names none; absent: the spoken language. */
  targetLanguage?: string;
}

/**
 * Loads the recognizer for a model directory as the model store resolves it: Whisper or Canary when
 * its config.json says so, else Parakeet. Whisper windows are gated by Silero VAD when the provided
 * model is there (it writes text on silence otherwise). Parakeet refuses language defaults: it hears
 * what it was trained on and cannot be told.
 */
export async function loadModelRecognizer(
  model: { id: string; dir: string; encoderFile: string; decoderFile: string; languages?: readonly string[] },
  device: string,
  defaults: LanguageDefaults & Pick<WhisperOptions, 'guards'> = {},
): Promise<Recognizer> {
  const { language, targetLanguage, guards } = defaults;
  const files = {
    modelDir: model.dir,
    modelId: model.id,
    device,
    encoderFile: model.encoderFile,
    decoderFile: model.decoderFile,
  };
  if (isCanaryModelDir(model.dir)) {
    return loadCanaryRecognizer({
      ...files,
      ...(model.languages ? { trainedLanguages: model.languages } : {}),
      ...(language !== undefined ? { language } : {}),
      ...(targetLanguage !== undefined ? { targetLanguage } : {}),
    });
  }
  if (!isWhisperModelDir(model.dir)) {
    const asked = [language && '--language', targetLanguage && '--target-language'].filter(Boolean);
    if (asked.length > 0)
      throw new EngineError(
        'invalid_options',
        `${asked.join(' and ')} ${asked.length > 1 ? 'apply' : 'applies'} only to Whisper and Canary models, and ${model.id} is a Parakeet model`,
      );
    return loadRecognizer(files);
  }
  if (targetLanguage !== undefined && targetLanguage !== 'en') {
    throw new EngineError(
      'invalid_options',
      `${model.id} is a Whisper model: it translates into English only, not "${targetLanguage}"`,
    );
  }
  const vadFile = defaultSileroVadPath();
  const vad = existsSync(vadFile) ? await SileroVad.load(vadFile) : undefined;
  if (!vad)
    console.warn(
      `WARNING: Silero VAD not found at ${vadFile}; Whisper windows are decoded without voice gating.`,
    );
  try {
    return await loadWhisperRecognizer({
      ...files,
      ...(language !== undefined ? { language } : {}),
      ...(targetLanguage === 'en' ? { task: 'translate' as const } : {}),
      ...(guards ? { guards } : {}),
      ...(vad ? { vad } : {}),
    });
  } catch (error) {
    await vad?.release();
    throw error;
  }
}
