/**
 * Consecutive windows of at most `seconds` over a stream's audio, for a model whose encoder takes a
 * bounded input (Whisper's and Canary's 30 s): views of the samples, each with its start in seconds.
 */
export function fixedWindows(
  samples: Float32Array,
  sampleRate: number,
  seconds: number,
): { samples: Float32Array; offset: number }[] {
  const size = seconds * sampleRate;
  if (samples.length <= size) return [{ samples, offset: 0 }];
  const windows = [];
  for (let start = 0; start < samples.length; start += size) {
    windows.push({ samples: samples.subarray(start, start + size), offset: start / sampleRate });
  }
  return windows;
}
