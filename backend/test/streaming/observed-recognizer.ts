import type { Recognizer, StreamOptions } from '../../src/engine/types.js';

/**
 * A real recognizer with what a test needs to see and steer: the texts and audio lengths of each batch in decode order, a
 * gate that holds the next decode until released, a real delay per call and per second of audio, and a
 * way to make the next decode fail.
 */
export class ObservedRecognizer implements Recognizer {
  readonly batches: string[][] = [];
  /** Seconds of audio of every stream decoded, in decode order. */
  readonly windowSeconds: number[] = [];
  secondsPerAudioSecond = 0;
  delayPerDecodeMs = 0;
  private gate: Promise<void> | null = null;
  private failNext = false;

  constructor(private readonly real: Recognizer) {}

  get modelId() {
    return this.real.modelId;
  }
  get sampleRate() {
    return this.real.sampleRate;
  }
  get device() {
    return this.real.device;
  }
  get providers() {
    return this.real.providers;
  }
  get chunking() {
    return this.real.chunking;
  }
  /** The prompt each stream was created with, in creation order. */
  readonly prompts: (string | undefined)[] = [];
  createStream(options?: StreamOptions) {
    this.prompts.push(options?.prompt);
    return this.real.createStream(options);
  }
  release() {
    return this.real.release();
  }

  /** Holds the next decode until the returned function is called. */
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise((resolve) => {
      release = resolve;
    });
    return release;
  }

  failNextDecode(): void {
    this.failNext = true;
  }

  async decode(streams: Parameters<Recognizer['decode']>[0]): Promise<void> {
    const gate = this.gate;
    this.gate = null;
    if (gate) await gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the engine failed');
    }
    const audioSeconds = streams.reduce((sum, s) => sum + s.duration, 0);
    const delayMs = this.delayPerDecodeMs + audioSeconds * this.secondsPerAudioSecond * 1000;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await this.real.decode(streams);
    this.batches.push(streams.map((s) => s.result?.text ?? ''));
    this.windowSeconds.push(...streams.map((s) => s.duration));
  }
}
