import { performance } from 'node:perf_hooks';
import { type ContainerFormat, type SettleOptions, StreamDecoder } from '../audio/stream-decoder';
import { PIPELINE_SAMPLE_RATE } from './recording-pipeline';
import { SessionError } from './session-error';
import type { SessionObserver } from './session-observer';

export interface ContainerIntakeOptions {
  format: ContainerFormat;
  settle: SettleOptions;
  observer: SessionObserver;
  /** Receives the decoded 16 kHz audio, in order. */
  onPcm(samples: Float32Array): void;
}

/**
 * Audio intake for a recording sent as a container byte stream (MediaRecorder webm/ogg chunks): one
 * persistent ffmpeg decoder; an undecodable stream stops it and is refused as `undecodable_audio`.
 */
export class ContainerIntake {
  private readonly decoder: StreamDecoder;

  constructor(private readonly options: ContainerIntakeOptions) {
    this.decoder = new StreamDecoder({
      format: options.format,
      sampleRate: PIPELINE_SAMPLE_RATE,
      onPcm: options.onPcm,
    });
  }

  /** Seconds of audio decoded so far. */
  get decodedSeconds(): number {
    return this.decoder.decodedSeconds;
  }

  /** Decodes the next bytes of the stream and waits until their audio has (most likely) come out. */
  async write(pieces: readonly Uint8Array[]): Promise<void> {
    for (const bytes of pieces) this.decoder.write(bytes);
    const startedAt = performance.now();
    await this.decoder.settle(this.options.settle);
    this.options.observer.chunkDecoded?.((performance.now() - startedAt) / 1000);
    this.failIfUndecodable();
  }

  /** Decodes the last bytes and everything still in the decoder. */
  async end(pieces: readonly Uint8Array[]): Promise<void> {
    for (const bytes of pieces) this.decoder.write(bytes);
    const startedAt = performance.now();
    await this.decoder.end();
    this.options.observer.chunkDecoded?.((performance.now() - startedAt) / 1000);
    // ffmpeg may complain about a stream that simply stopped; only audio that never decoded is an error.
    if (this.decoder.decodedSeconds === 0) this.failIfUndecodable();
  }

  close(): void {
    this.decoder.kill();
  }

  private failIfUndecodable(): void {
    const error = this.decoder.error;
    if (!error) return;
    this.decoder.kill();
    this.options.observer.audioDecoderFailed?.();
    throw new SessionError('undecodable_audio', error.message);
  }
}
