/**
 * Mono PCM with absolute sample positions, bounded in size: when full, the oldest samples are dropped,
 * so memory never grows with the length of a recording.
 */
export class PcmBuffer {
  private data: Float32Array;
  private length = 0;
  private first = 0;

  constructor(
    private readonly capacity: number,
    initialCapacity = Math.min(capacity, 16_000 * 10),
  ) {
    this.data = new Float32Array(Math.max(1, initialCapacity));
  }

  /** Absolute position of the oldest sample still held. */
  get startSample(): number {
    return this.first;
  }

  /** Absolute position one past the newest sample. */
  get endSample(): number {
    return this.first + this.length;
  }

  append(samples: Float32Array): void {
    if (samples.length >= this.capacity) {
      this.first = this.endSample + samples.length - this.capacity;
      this.ensureRoom(this.capacity);
      this.data.set(samples.subarray(samples.length - this.capacity), 0);
      this.length = this.capacity;
      return;
    }
    const overflow = this.length + samples.length - this.capacity;
    if (overflow > 0) this.discardBefore(this.first + overflow);
    this.ensureRoom(this.length + samples.length);
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  /** Drops everything before absolute position `sample`. */
  discardBefore(sample: number): void {
    const drop = Math.min(this.length, Math.max(0, Math.floor(sample) - this.first));
    if (drop === 0) return;
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.first += drop;
  }

  /** A copy of the samples from absolute position `from` (clamped to what is held) to the end. */
  read(from: number): Float32Array {
    const offset = Math.min(this.length, Math.max(0, Math.floor(from) - this.first));
    return this.data.slice(offset, this.length);
  }

  private ensureRoom(needed: number): void {
    if (needed <= this.data.length) return;
    const grown = new Float32Array(Math.min(this.capacity, Math.max(needed, this.data.length * 2)));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}
