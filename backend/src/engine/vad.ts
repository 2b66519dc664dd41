import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { CpuLedger } from './cpu-ledger.js';
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
/** Whole frames, about 2 s, classified between two looks at the abort signal. */
const ABORT_CHECK_SAMPLES = 64 * FRAME;

/** Silero VAD v5 (ONNX): speech probability per 32 ms frame of 16 kHz mono audio. */
export class SileroVad {
  static readonly sampleRate = SAMPLE_RATE;
  static readonly frameSamples = FRAME;

  private readonly cpu = new CpuLedger(['detector']);

  private constructor(private readonly session: ort.InferenceSession) {}

  /** CPU seconds all its streams have spent classifying frames so far. */
  cpuSeconds(): number {
    return this.cpu.seconds().detector;
  }

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

  /** A detector over one continuous recording: its recurrent state carries from one call to the next. */
  createStream(): SileroVadStream {
    return new SileroVadStream(this.session, this.cpu);
  }

  /**
   * One probability per 512-sample frame; a final partial frame is padded with silence. An aborted
   * signal stops it within a few seconds of audio (a long file takes a while).
   */
  async probabilities(samples: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    const stream = this.createStream();
    const out = new Float32Array(Math.ceil(samples.length / FRAME));
    let filled = 0;
    for (let start = 0; start < samples.length; start += ABORT_CHECK_SAMPLES) {
      signal?.throwIfAborted();
      const part = await stream.accept(samples.subarray(start, start + ABORT_CHECK_SAMPLES));
      out.set(part, filled);
      filled += part.length;
    }
    const last = await stream.flush();
    out.set(last, filled);
    return out.subarray(0, filled + last.length);
  }

  async speechSegments(
    samples: Float32Array,
    options: SpeechSegmentOptions = {},
    signal?: AbortSignal,
  ): Promise<SpeechSegment[]> {
    return segmentsFromProbabilities(await this.probabilities(samples, signal), samples.length, options);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/**
 * Silero over audio that arrives piece by piece: each call classifies the whole 512-sample frames it
 * completes, continuing the model state and context of the frames before, so no sample is seen twice.
 */
export class SileroVadStream {
  readonly sampleRate = SAMPLE_RATE;
  readonly frameSamples = FRAME;
  private state: Float32Array = new Float32Array(STATE_SIZE);
  /** The previous frame's last CONTEXT samples, then the frame being classified. */
  private readonly window = new Float32Array(CONTEXT + FRAME);
  private carry = new Float32Array(0);
  private readonly sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE)), []);

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly cpu: CpuLedger<'detector'>,
  ) {}

  /** Probabilities of the frames completed by `samples`; a partial frame waits for the next call. */
  async accept(samples: Float32Array): Promise<Float32Array> {
    if (!(samples instanceof Float32Array))
      throw new InvalidAudioError('VAD expects a Float32Array of 16 kHz samples');
    const pending = this.carry.length === 0 ? samples : joined(this.carry, samples);
    const frames = Math.floor(pending.length / FRAME);
    this.carry = pending.slice(frames * FRAME);
    return this.cpu.measure('detector', async () => {
      const result = new Float32Array(frames);
      for (let i = 0; i < frames; i++)
        result[i] = await this.classify(pending.subarray(i * FRAME, (i + 1) * FRAME));
      return result;
    });
  }

  /** The recording ended: the partial frame left over, padded with silence, gets its probability. */
  async flush(): Promise<Float32Array> {
    if (this.carry.length === 0) return new Float32Array(0);
    const last = this.carry;
    this.carry = new Float32Array(0);
    return this.cpu.measure('detector', async () => Float32Array.of(await this.classify(last)));
  }

  private async classify(frame: Float32Array): Promise<number> {
    const window = this.window;
    window.copyWithin(0, FRAME, FRAME + CONTEXT);
    window.fill(0, CONTEXT);
    window.set(frame, CONTEXT);
    const out = await this.session.run({
      // The run reads the window before the next frame is written into it.
      input: new ort.Tensor('float32', window, [1, CONTEXT + FRAME]),
      state: new ort.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.sr,
    });
    this.state = tensorData(out.stateN, Float32Array);
    return tensorData(out.output, Float32Array)[0] ?? 0;
  }
}

function joined(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
