import type { OutputLevels } from '@earshot/shared';
import { dropOlderEntries } from './recent-entries';

const BLOCK_SECONDS = 0.01;
/** How long levels are kept for `recent()`. */
export const LEVELS_KEPT_MS = 60_000;
const READ_EVERY_MS = 100;

/**
 * Loudness of what the user hears, in 10 ms blocks stamped with the wall-clock time at which
 * each block reached the speakers. Reads a long analyser window a few times a second, so a
 * late timer loses nothing.
 */
export class OutputMeter {
  private readonly buffer: Float32Array<ArrayBuffer>;
  private readonly levels: OutputLevels['levels'] = [];
  private lastReadContextTime = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly context: AudioContext,
    private readonly analyser: AnalyserNode,
  ) {
    analyser.fftSize = 32768;
    this.buffer = new Float32Array(analyser.fftSize);
    this.lastReadContextTime = context.currentTime;
    this.timer = setInterval(() => this.read(), READ_EVERY_MS);
  }

  recent(): OutputLevels['levels'] {
    return [...this.levels];
  }

  /** Converts context time to the wall-clock ms at which its sound reaches the speakers. */
  wallClock(): (contextTime: number) => number {
    const stamp = this.context.getOutputTimestamp();
    const performanceTime = stamp.performanceTime ?? performance.now();
    const contextTime = stamp.contextTime ?? this.context.currentTime;
    return (time) => performance.timeOrigin + performanceTime + (time - contextTime) * 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private read(): void {
    const now = this.context.currentTime;
    this.analyser.getFloatTimeDomainData(this.buffer);
    const rate = this.context.sampleRate;
    const blockSamples = Math.round(BLOCK_SECONDS * rate);
    const fresh = Math.min(this.buffer.length, Math.round((now - this.lastReadContextTime) * rate));
    const blocks = Math.floor(fresh / blockSamples);
    if (blocks === 0) return;
    this.lastReadContextTime += (blocks * blockSamples) / rate;
    const wallAt = this.wallClock();
    const firstSample = this.buffer.length - blocks * blockSamples;
    for (let b = 0; b < blocks; b++) {
      let sum = 0;
      for (let i = 0; i < blockSamples; i++) {
        const v = this.buffer[firstSample + b * blockSamples + i] ?? 0;
        sum += v * v;
      }
      const blockStart = now - ((blocks - b) * blockSamples) / rate;
      this.levels.push({ atMs: wallAt(blockStart), rms: Math.sqrt(sum / blockSamples) });
    }
    const cutoff = Date.now() - LEVELS_KEPT_MS;
    dropOlderEntries(this.levels, (l) => l.atMs >= cutoff);
  }
}
