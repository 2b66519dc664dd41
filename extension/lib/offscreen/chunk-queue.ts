/** One MediaRecorder chunk waiting to be uploaded. */
export interface PendingChunk {
  recordingId: string;
  seq: number;
}

/**
 * Bounded FIFO of chunks for one tab. The backend decodes a recording as one continuous WebM
 * stream whose header lives in seq 0, so a recording may only ever lose its *tail*: on overflow
 * every pending chunk of the overflowing recording is dropped together and the caller must
 * start a new recording (new id, seq 0). What reaches the backend for any recording is thus
 * always a gap-free prefix 0..k.
 */
export class ChunkQueue<T extends PendingChunk> {
  private readonly items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`queue capacity must be ≥ 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Queues the chunk, or on overflow drops its whole recording's backlog (chunk included). */
  push(chunk: T): 'queued' | 'overflow' {
    if (this.items.length < this.capacity) {
      this.items.push(chunk);
      return 'queued';
    }
    this.dropRecording(chunk.recordingId);
    return 'overflow';
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Removes a chunk that was delivered; false when it had been dropped in the meantime. */
  remove(chunk: T): boolean {
    const index = this.items.indexOf(chunk);
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }

  dropRecording(recordingId: string): number {
    const before = this.items.length;
    const kept = this.items.filter((item) => item.recordingId !== recordingId);
    this.items.splice(0, this.items.length, ...kept);
    return before - kept.length;
  }

  clear(): void {
    this.items.length = 0;
  }
}
