/**
 * Ranges of a stream of sample pieces, read in order: each read may start anywhere at or after the
 * previous read's start (windows overlap), so only the samples from there on are kept.
 */
export class ForwardSampleReader {
  private readonly pieces: Float32Array[] = [];
  /** Index, in the whole stream, of the first sample of pieces[0]. */
  private base = 0;
  private buffered = 0;
  private ended = false;

  constructor(
    /** Samples in the whole stream (known from an earlier pass over it). */
    readonly length: number,
    private readonly source: AsyncIterator<Float32Array>,
  ) {}

  /** Samples [start, end) of the stream; fewer when it ends before `end`. */
  async read(start: number, end: number): Promise<Float32Array> {
    if (start < this.base) throw new Error(`sample ${start} was already let go (reads must move forward)`);
    while (this.base + this.buffered < end && !this.ended) {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else {
        this.pieces.push(next.value);
        this.buffered += next.value.length;
      }
    }
    while (this.pieces[0] && this.base + this.pieces[0].length <= start) {
      const gone = this.pieces.shift() as Float32Array;
      this.base += gone.length;
      this.buffered -= gone.length;
    }
    const out = new Float32Array(Math.max(0, Math.min(end, this.base + this.buffered) - start));
    let at = this.base;
    for (const piece of this.pieces) {
      const from = Math.max(start - at, 0);
      const to = Math.min(start + out.length - at, piece.length);
      if (to > from) out.set(piece.subarray(from, to), at + from - start);
      at += piece.length;
      if (at >= start + out.length) break;
    }
    return out;
  }

  /** Stops the source (ends its decoder) when not all of it was read. */
  async close(): Promise<void> {
    if (!this.ended) await this.source.return?.();
  }
}
