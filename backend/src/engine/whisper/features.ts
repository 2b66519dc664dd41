import type { WhisperFeatureExtractor } from '@huggingface/transformers';

interface WhisperFeatureConfig {
  n_fft: number;
  hop_length: number;
  n_samples: number;
  nb_max_frames: number;
}

/** log10 of the floor transformers.js puts under the mel power (1e-10): what silence comes out as. */
const SILENCE_LOG_MEL = -10;

/**
 * Whisper's log-mel features of one window, [bins × nb_max_frames], as transformers.js computes them
 * for the window padded with silence to 30 s, but computed over the audio and a little silence only.
 * Whisper clamps every value to at least the window's maximum less 8 (then maps x to (x + 4) / 4), so
 * every frame of the silence after the audio is that one floor: a 2 s live window costs a fifteenth
 * of a 30 s one. The silence kept after the audio (one FFT window) lets the last frames see zeros,
 * as they do in the padded window, rather than the audio reflected back.
 */
export async function whisperFeatures(
  extractor: WhisperFeatureExtractor,
  samples: Float32Array,
): Promise<{ data: Float32Array; bins: number; frames: number }> {
  const config = extractor.config as WhisperFeatureConfig;
  const { n_fft: fft, hop_length: hop, n_samples: full, nb_max_frames: frames } = config;
  const length = Math.min(full, Math.ceil((samples.length + fft) / hop) * hop);
  const { input_features } = await extractor._call(samples, { max_length: length });
  const [, bins = 0, computed = 0] = input_features.dims as number[];
  const head = input_features.data as Float32Array;
  if (computed >= frames) return { data: head, bins, frames };
  let top = Number.NEGATIVE_INFINITY;
  for (const v of head) top = Math.max(top, v);
  // (max(silence, max − 8) + 4) / 4, with max recovered from its normalized value (max + 4) / 4.
  const floor = Math.max((SILENCE_LOG_MEL + 4) / 4, top - 2);
  const data = new Float32Array(bins * frames).fill(floor);
  for (let b = 0; b < bins; b++) data.set(head.subarray(b * computed, (b + 1) * computed), b * frames);
  return { data, bins, frames };
}
