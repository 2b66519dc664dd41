const BLOCK_SECONDS = 0.01;
/** A stretch this much quieter than the sound just before it counts as the sound having stopped. */
const QUIET_BELOW_DB = 40;
/**
 * Shortest quiet that ends a word: longer than the closure of a stop consonant ("t", "k"), which
 * goes nearly silent inside a word for 50–90 ms before its burst.
 */
const MIN_QUIET_SECONDS = 0.1;
/** The sound a quiet is measured against: the loudest block this far back. */
const REFERENCE_SECONDS = 0.3;
/** Below this (dBFS) there is nothing loud enough to judge a quiet by. */
const AUDIBLE_DB = -70;

/**
 * Short-time loudness of a waveform, in 10 ms blocks, to find where a sound stops. Blocks are
 * measured when first asked for: a decode asks about a few words' ends, not the whole stream.
 */
export class SoundLevels {
  private readonly db: Float32Array;
  private readonly blockSize: number;
  private readonly blocksPerSecond: number;

  constructor(
    private readonly samples: Float32Array,
    sampleRate: number,
  ) {
    this.blockSize = Math.max(1, Math.round(sampleRate * BLOCK_SECONDS));
    this.blocksPerSecond = sampleRate / this.blockSize;
    this.db = new Float32Array(Math.floor(samples.length / this.blockSize)).fill(Number.NaN);
  }

  /**
   * Where the sound heard up to `from` falls quiet for at least MIN_QUIET_SECONDS, looking no
   * further than `to`; `from` when a long enough quiet had begun before it (a token can come a
   * little after its sound); `to` when there is none, or nothing audible to judge by.
   */
  quietAfter(from: number, to: number): number {
    const first = Math.ceil(from * this.blocksPerSecond);
    const last = Math.floor(to * this.blocksPerSecond);
    const reference = this.loudest(first - Math.round(REFERENCE_SECONDS * this.blocksPerSecond), first);
    if (reference < AUDIBLE_DB) return to;
    const quiet = (b: number) => this.level(b) < reference - QUIET_BELOW_DB;
    const needed = Math.round(MIN_QUIET_SECONDS * this.blocksPerSecond);
    let run = 0;
    for (let b = first - 1; b >= 0 && run < needed && quiet(b); b--) run += 1;
    for (let b = first; b < this.db.length; b++) {
      if (!quiet(b)) {
        if (b >= last) return to;
        run = 0;
        continue;
      }
      run += 1;
      if (run >= needed) return Math.min(to, Math.max(from, (b - run + 1) / this.blocksPerSecond));
    }
    return to;
  }

  private loudest(from: number, to: number): number {
    let max = Number.NEGATIVE_INFINITY;
    for (let b = Math.max(0, from); b < Math.min(to, this.db.length); b++) max = Math.max(max, this.level(b));
    return max;
  }

  /** Loudness of block `b` in dBFS (0 past the end, which never counts as quiet). */
  private level(b: number): number {
    const known = this.db[b];
    if (known === undefined) return 0;
    if (!Number.isNaN(known)) return known;
    const db = loudness(this.samples, b * this.blockSize, (b + 1) * this.blockSize);
    this.db[b] = db;
    return db;
  }
}

/** Mean power of samples [from, to) in dBFS (samples past the end count as zero). */
export function loudness(samples: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] ?? 0) ** 2;
  return 10 * Math.log10(sum / (to - from) + 1e-20);
}
