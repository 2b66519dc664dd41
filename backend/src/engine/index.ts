import { type ParakeetOptions, ParakeetRecognizer } from './parakeet.js';
import type { Recognizer } from './types.js';

export { type CudaInstallResult, installCudaProviders, missingCudaProviderLibraries } from './cuda.js';
export { isDeviceRequest, parseDevice } from './device-request.js';
export {
  CudaUnavailableError,
  EngineError,
  InvalidAudioError,
  InvalidDeviceError,
  ModelLoadError,
} from './errors.js';
export { sharedDir } from './locations.js';
export { type LongAudioOptions, transcribeLong } from './long-audio.js';
export type * from './types.js';
export {
  defaultSileroVadPath,
  SILERO_VAD_URL,
  SileroVad,
  type SpeechSegment,
  type SpeechSegmentOptions,
} from './vad.js';
export type { ParakeetOptions as LoadRecognizerOptions };

/**
 * Loads a speech recognizer. Throws InvalidDeviceError for an unknown device, CudaUnavailableError
 * when CUDA was asked for and cannot run, ModelLoadError when the directory is not a usable model.
 */
export function loadRecognizer(options: ParakeetOptions): Promise<Recognizer> {
  return ParakeetRecognizer.load(options);
}

/** Loads the recognizer for a model directory as the model store resolves it. */
export function loadModelRecognizer(
  model: { id: string; dir: string; encoderFile: string; decoderFile: string },
  device: string,
): Promise<Recognizer> {
  return loadRecognizer({
    modelDir: model.dir,
    modelId: model.id,
    device,
    encoderFile: model.encoderFile,
    decoderFile: model.decoderFile,
  });
}
