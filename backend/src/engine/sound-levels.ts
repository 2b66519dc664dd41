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

/** Short-time loudness of a waveform, in 10 ms blocks, to find where a sound stops. */
export class SoundLevels {
  private readonly db: Float32Array;
  private readonly blocksPerSecond: number;

  constructor(samples: Float32Array, sampleRate: number) {
    const size = Math.max(1, Math.round(sampleRate * BLOCK_SECONDS));
    this.blocksPerSecond = sampleRate / size;
    this.db = new Float32Array(Math.floor(samples.length / size));
    for (let b = 0; b < this.db.length; b++) {
      let sum = 0;
      for (let i = b * size; i < (b + 1) * size; i++) sum += (samples[i] ?? 0) ** 2;
      this.db[b] = 10 * Math.log10(sum / size + 1e-20);
    }
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
    const quiet = (b: number) => (this.db[b] ?? 0) < reference - QUIET_BELOW_DB;
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
    for (let b = Math.max(0, from); b < Math.min(to, this.db.length); b++)
      max = Math.max(max, this.db[b] ?? max);
    return max;
  }
}
