export interface Chunk {
  seq: number;
  bytes: Uint8Array;
  final: boolean;
}

export type ChunkArrival =
  | { kind: 'ready'; chunks: Chunk[] }
  | { kind: 'duplicate' }
  | { kind: 'waiting' }
  | { kind: 'gap_too_long'; missing: number };

/**
 * Puts the chunks of one recording back in sequence: a chunk ahead of a gap waits (a bounded number of
 * them), a chunk seen before is ignored, and chunks are released as soon as they are contiguous.
 */
export class ChunkOrder {
  private next = 0;
  private readonly waiting = new Map<number, Chunk>();

  constructor(private readonly maxWaiting: number) {}

  get nextSeq(): number {
    return this.next;
  }

  accept(chunk: Chunk): ChunkArrival {
    if (chunk.seq < this.next || this.waiting.has(chunk.seq)) return { kind: 'duplicate' };
    this.waiting.set(chunk.seq, chunk);
    if (chunk.seq !== this.next) {
      return this.waiting.size > this.maxWaiting
        ? { kind: 'gap_too_long', missing: this.next }
        : { kind: 'waiting' };
    }
    const chunks: Chunk[] = [];
    for (let c = this.waiting.get(this.next); c; c = this.waiting.get(this.next)) {
      chunks.push(c);
      this.waiting.delete(this.next);
      this.next++;
    }
    return { kind: 'ready', chunks };
  }
}
