import { existsSync } from 'node:fs';
import { EngineError } from './errors.js';
import { type ParakeetOptions, ParakeetRecognizer } from './parakeet.js';
import type { Recognizer } from './types.js';
import { defaultSileroVadPath, SileroVad } from './vad.js';
import { isWhisperModelDir } from './whisper/model-config.js';
import type { WhisperOptions } from './whisper/recognizer.js';

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

/**
 * Loads the recognizer for a model directory as the model store resolves it: Whisper when its
 * config.json says so, else Parakeet. Whisper windows are gated by Silero VAD when the provided
 * model is there (it writes text on silence otherwise).
 */
export async function loadModelRecognizer(
  model: { id: string; dir: string; encoderFile: string; decoderFile: string },
  device: string,
  whisper: Pick<WhisperOptions, 'language' | 'task' | 'guards'> = {},
): Promise<Recognizer> {
  if (!isWhisperModelDir(model.dir)) {
    const asked = [whisper.language && '--language', whisper.task && '--task'].filter(Boolean);
    if (asked.length > 0)
      throw new EngineError(
        'invalid_options',
        `${asked.join(' and ')} only apply to Whisper models, and ${model.id} is a Parakeet model`,
      );
    return loadRecognizer({
      modelDir: model.dir,
      modelId: model.id,
      device,
      encoderFile: model.encoderFile,
      decoderFile: model.decoderFile,
    });
  }
  const vadFile = defaultSileroVadPath();
  const vad = existsSync(vadFile) ? await SileroVad.load(vadFile) : undefined;
  if (!vad)
    console.warn(
      `WARNING: Silero VAD not found at ${vadFile}; Whisper windows are decoded without voice gating.`,
    );
  try {
    return await loadWhisperRecognizer({
      modelDir: model.dir,
      modelId: model.id,
      device,
      encoderFile: model.encoderFile,
      decoderFile: model.decoderFile,
      ...whisper,
      ...(vad ? { vad } : {}),
    });
  } catch (error) {
    await vad?.release();
    throw error;
  }
}
