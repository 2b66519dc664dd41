import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InvalidAudioError, ModelLoadError } from './errors.js';
import { sharedDir } from './locations.js';
import { tensorData } from './onnx-io.js';

/** Where users get the Silero VAD v5 model (MIT licensed) from. */
export const SILERO_VAD_URL =
  'https://github.com/snakers4/silero-vad/raw/master/src/silero_vad/data/silero_vad.onnx';

export function defaultSileroVadPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(sharedDir(env), 'models', 'silero-vad', 'silero_vad.onnx');
}

export interface SpeechSegment {
  /** Seconds from the start of the samples. */
  start: number;
  end: number;
}

export interface SpeechSegmentOptions {
  /** Probability at which speech starts; it ends below threshold − 0.15. */
  threshold?: number;
  /** Silence shorter than this does not end a segment. */
  minSilenceMs?: number;
  /** Added before and after every segment (segments that then touch are merged). */
  speechPadMs?: number;
  /** Shorter segments are dropped. */
  minSpeechMs?: number;
}

const SAMPLE_RATE = 16000;
const FRAME = 512;
/** Silero v5 at 16 kHz sees the last 64 samples of the previous frame before each 512-sample frame. */
const CONTEXT = 64;
const STATE_SIZE = 2 * 1 * 128;

/** Silero VAD v5 (ONNX): speech probability per 32 ms frame of 16 kHz mono audio. */
export class SileroVad {
  static readonly sampleRate = SAMPLE_RATE;
  static readonly frameSamples = FRAME;

  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(file: string = defaultSileroVadPath()): Promise<SileroVad> {
    if (!existsSync(file)) {
      throw new ModelLoadError(
        `Silero VAD model not found at ${file}; download it from ${SILERO_VAD_URL} (or set EARSHOT_SHARED_DIR)`,
      );
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
      });
    } catch (error) {
      throw new ModelLoadError(`Cannot load Silero VAD ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const expected = ['input', 'state', 'sr'];
    if (
      !expected.every((name) => session.inputNames.includes(name)) ||
      !session.outputNames.includes('stateN')
    ) {
      await session.release();
      throw new ModelLoadError(
        `${file} is not a Silero VAD v5 model (inputs: ${session.inputNames.join(', ')})`,
      );
    }
    return new SileroVad(session);
  }

  /** One probability per 512-sample frame; a final partial frame is padded with silence. */
  async probabilities(samples: Float32Array): Promise<Float32Array> {
    if (!(samples instanceof Float32Array))
      throw new InvalidAudioError('VAD expects a Float32Array of 16 kHz samples');
    const frames = Math.ceil(samples.length / FRAME);
    const result = new Float32Array(frames);
    const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []);
    let state: Float32Array = new Float32Array(STATE_SIZE);
    const window = new Float32Array(CONTEXT + FRAME);
    for (let i = 0; i < frames; i++) {
      window.copyWithin(0, FRAME, FRAME + CONTEXT);
      window.fill(0, CONTEXT);
      window.set(samples.subarray(i * FRAME, (i + 1) * FRAME), CONTEXT);
      const out = await this.session.run({
        input: new ort.Tensor('float32', window.slice(), [1, CONTEXT + FRAME]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr,
      });
      result[i] = tensorData(out.output, Float32Array)[0] ?? 0;
      state = tensorData(out.stateN, Float32Array);
    }
    return result;
  }

  async speechSegments(samples: Float32Array, options: SpeechSegmentOptions = {}): Promise<SpeechSegment[]> {
    return segmentsFromProbabilities(await this.probabilities(samples), samples.length, options);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Hysteresis over frame probabilities: speech starts at the first frame ≥ threshold and ends at
 * the first frame < threshold − 0.15 that begins a silence of at least minSilenceMs.
 */
export function segmentsFromProbabilities(
  probabilities: Float32Array,
  totalSamples: number,
  { threshold = 0.5, minSilenceMs = 300, speechPadMs = 100, minSpeechMs = 250 }: SpeechSegmentOptions = {},
): SpeechSegment[] {
  const perMs = SAMPLE_RATE / 1000;
  const offThreshold = Math.max(threshold - 0.15, 0.01);
  const raw: { start: number; end: number }[] = [];
  let start: number | null = null;
  let silenceStart: number | null = null;
  const close = (end: number) => {
    if (start !== null && end - start >= minSpeechMs * perMs) raw.push({ start, end });
    start = null;
    silenceStart = null;
  };
  probabilities.forEach((p, i) => {
    const at = i * FRAME;
    if (p >= threshold) {
      silenceStart = null;
      start ??= at;
    } else if (p < offThreshold && start !== null) {
      silenceStart ??= at;
      if (at - silenceStart >= minSilenceMs * perMs) close(silenceStart);
    }
  });
  close(silenceStart ?? totalSamples);

  const pad = speechPadMs * perMs;
  const merged: { start: number; end: number }[] = [];
  for (const segment of raw) {
    const padded = {
      start: Math.max(0, segment.start - pad),
      end: Math.min(totalSamples, segment.end + pad),
    };
    const last = merged.at(-1);
    if (last && padded.start <= last.end) last.end = padded.end;
    else merged.push(padded);
  }
  return merged.map((s) => ({ start: s.start / SAMPLE_RATE, end: s.end / SAMPLE_RATE }));
}
