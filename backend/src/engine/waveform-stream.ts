import { joinSamples } from '../audio/join-samples.js';
import { InvalidAudioError } from './errors.js';
import type { RecognitionResult, RecognizerStream, StreamOptions } from './types.js';

/**
 * The waveform a recognizer stream holds until it is decoded, and the result the decode left on it.
 * Every engine's streams are this; `owner` lets a recognizer refuse streams another one made.
 */
export class WaveformStream<Owner, Result extends RecognitionResult> implements RecognizerStream {
  private chunks: Float32Array[] = [];
  private length = 0;
  private decoded: Result | null = null;

  constructor(
    readonly owner: Owner,
    private readonly sampleRate: number,
    readonly options: StreamOptions = {},
  ) {}

  acceptWaveform(samples: Float32Array): void {
    if (!(samples instanceof Float32Array)) {
      throw new InvalidAudioError(
        `acceptWaveform expects a Float32Array of ${this.sampleRate / 1000} kHz mono samples`,
      );
    }
    for (let i = 0; i < samples.length; i++) {
      if (!Number.isFinite(samples[i]))
        throw new InvalidAudioError(`sample ${this.length + i} is not a finite number`);
    }
    this.chunks.push(samples.slice());
    this.length += samples.length;
  }

  get duration(): number {
    return this.length / this.sampleRate;
  }

  get result(): Result | null {
    return this.decoded;
  }

  /** All samples accepted so far, joined once into one array. */
  samples(): Float32Array {
    if (this.chunks.length > 1) this.chunks = [joinSamples(this.chunks)];
    return this.chunks[0] ?? new Float32Array(0);
  }

  setResult(result: Result): void {
    this.decoded = result;
  }
}
