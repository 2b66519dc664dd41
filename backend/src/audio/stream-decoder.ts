import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export type ContainerFormat = 'matroska' | 'ogg';

export interface StreamDecoderOptions {
  format: ContainerFormat;
  sampleRate?: number;
  /** Called with every piece of decoded audio, in order. */
  onPcm(samples: Float32Array): void;
  ffmpegPath?: string;
}

export interface SettleOptions {
  /** Output is considered complete once the decoder has been silent this long after producing some. */
  quietMs: number;
  /** Give up waiting for output after this long (the bytes may end mid-frame and yield nothing yet). */
  maxWaitMs: number;
}

export class DecoderFailedError extends Error {}

/**
 * One long-lived ffmpeg process that turns a continuous container byte stream (MediaRecorder chunks,
 * cut at arbitrary byte offsets) into 16 kHz mono float PCM as the bytes arrive.
 */
export class StreamDecoder {
  private readonly child: ChildProcessWithoutNullStreams;
  private carry = Buffer.alloc(0);
  private stderrTail = '';
  private exitCode: number | null = null;
  private failure: Error | null = null;
  private killed = false;
  private lastOutputAt = 0;
  private readonly exited: Promise<void>;
  private samplesOut = 0;

  constructor(private readonly options: StreamDecoderOptions) {
    const sampleRate = options.sampleRate ?? 16_000;
    // Tiny probe sizes: the stream header says everything, and probing further would add latency.
    // (`-fflags nobuffer` is left out on purpose: it discards the packets read while probing.)
    const args = [
      ['-hide_banner', '-nostdin', '-loglevel', 'error'],
      ['-probesize', '32', '-analyzeduration', '0'],
      ['-f', options.format, '-i', 'pipe:0'],
      // Sample n of the output is sample n of the stream: the recorder is fed without gaps, while
      // the timestamps it writes follow the wall clock and run ahead under load.
      ['-vn', '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', 'pipe:1'],
    ].flat();
    this.child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (bytes: Buffer) => this.onStdout(bytes));
    this.child.stderr.on('data', (text: Buffer) => {
      this.stderrTail = (this.stderrTail + text.toString('utf8')).slice(-2000);
    });
    // Writing after ffmpeg gave up raises EPIPE here; the exit handler reports the real cause.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.failure = new DecoderFailedError(`cannot run ffmpeg: ${error.message}`);
        resolve();
      });
      this.child.on('close', (code) => {
        this.exitCode = code ?? -1;
        resolve();
      });
    });
  }

  /** Seconds of audio decoded so far. */
  get decodedSeconds(): number {
    return this.samplesOut / (this.options.sampleRate ?? 16_000);
  }

  /** Why the decoder stopped working, or null while it is healthy. */
  get error(): Error | null {
    if (this.failure) return this.failure;
    if (this.exitCode !== null && this.exitCode !== 0 && !this.killed) {
      return new DecoderFailedError(`ffmpeg could not decode the audio: ${this.lastErrorLine()}`);
    }
    return null;
  }

  get running(): boolean {
    return this.exitCode === null && this.failure === null;
  }

  write(bytes: Uint8Array): void {
    if (this.running && bytes.length > 0) this.child.stdin.write(bytes);
  }

  /** Waits until the output for the bytes written so far has (most likely) come out. */
  async settle({ quietMs, maxWaitMs }: SettleOptions): Promise<void> {
    const startedAt = Date.now();
    const outputBefore = this.lastOutputAt;
    while (this.running) {
      const now = Date.now();
      if (now - startedAt >= maxWaitMs) return;
      if (this.lastOutputAt > outputBefore && now - this.lastOutputAt >= quietMs) return;
      await Promise.race([delay(Math.min(quietMs, 10)), this.exited]);
    }
  }

  /** Closes the input and waits for ffmpeg to decode everything that is left and exit. */
  async end(): Promise<void> {
    if (this.running) this.child.stdin.end();
    await this.exited;
  }

  /** Stops the decoder without waiting for pending output. */
  kill(): void {
    if (!this.running) return;
    this.killed = true;
    this.child.stdin.destroy();
    this.child.kill('SIGKILL');
  }

  private onStdout(bytes: Buffer): void {
    const all = this.carry.length > 0 ? Buffer.concat([this.carry, bytes]) : bytes;
    const whole = all.length - (all.length % 4);
    this.carry = Buffer.from(all.subarray(whole));
    if (whole === 0) return;
    // Copy into a fresh, aligned buffer: Node may hand out views at odd offsets of a shared pool.
    const samples = new Float32Array(whole / 4);
    Buffer.from(samples.buffer).set(all.subarray(0, whole));
    this.samplesOut += samples.length;
    this.lastOutputAt = Date.now();
    this.options.onPcm(samples);
  }

  private lastErrorLine(): string {
    const lines = this.stderrTail
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.at(-1) ?? `exit code ${this.exitCode}`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
