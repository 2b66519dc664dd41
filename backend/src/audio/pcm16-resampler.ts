/**
 * Turns a stream of little-endian 16-bit mono PCM at `inputRate`, cut at arbitrary byte offsets, into
 * float samples at `outputRate` by linear interpolation; each call continues where the last one stopped.
 */
export class Pcm16Resampler {
  /** A byte left over from an odd-length piece. */
  private oddByte: number | null = null;
  /** The last input sample of the previous piece, for interpolating across the boundary. */
  private previous = 0;
  /** Position of the next output sample, in input samples after `previous`. */
  private position = 0;
  private readonly step: number;

  constructor(
    readonly inputRate: number,
    readonly outputRate = 16_000,
  ) {
    if (!(inputRate > 0)) throw new Error(`invalid input rate ${inputRate}`);
    this.step = inputRate / outputRate;
    // The first output sample is the first input sample.
    this.position = 1;
  }

  push(bytes: Uint8Array): Float32Array {
    const input = this.decode(bytes);
    if (input.length === 0) return new Float32Array(0);
    if (this.inputRate === this.outputRate) {
      this.previous = input[input.length - 1] as number;
      return input;
    }
    // Sample i of the extended signal: i = 0 is `previous`, i >= 1 is input[i - 1].
    const at = (i: number) => (i === 0 ? this.previous : (input[i - 1] as number));
    const out: number[] = [];
    let pos = this.position;
    while (pos <= input.length) {
      const left = Math.floor(pos);
      const frac = pos - left;
      out.push(frac === 0 ? at(left) : at(left) + frac * (at(left + 1) - at(left)));
      pos += this.step;
    }
    this.position = pos - input.length;
    this.previous = input[input.length - 1] as number;
    return Float32Array.from(out);
  }

  private decode(bytes: Uint8Array): Float32Array {
    let data = bytes;
    if (this.oddByte !== null) {
      data = new Uint8Array(bytes.length + 1);
      data[0] = this.oddByte;
      data.set(bytes, 1);
      this.oddByte = null;
    }
    const count = data.length >> 1;
    if (data.length % 2 === 1) this.oddByte = data[data.length - 1] as number;
    const view = new DataView(data.buffer, data.byteOffset, count * 2);
    const samples = new Float32Array(count);
    for (let i = 0; i < count; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    return samples;
  }
}
