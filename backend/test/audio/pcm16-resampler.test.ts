import { describe, expect, it } from 'vitest';
import { Pcm16Resampler } from '../../src/audio/pcm16-resampler';

function sinePcm16(rate: number, seconds: number, hz: number): Buffer {
  const out = Buffer.alloc(Math.round(rate * seconds) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    out.writeInt16LE(Math.round(16_000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  return out;
}

describe('Pcm16Resampler', () => {
  it('turns 24 kHz PCM16 cut at odd byte offsets into the same 16 kHz signal as sent whole', () => {
    const pcm = sinePcm16(24_000, 1, 440);
    const whole = new Pcm16Resampler(24_000).push(pcm);
    const cut = new Pcm16Resampler(24_000);
    const parts: Float32Array[] = [];
    for (let at = 0, size = 1; at < pcm.length; at += size, size = (size * 7 + 3) % 997) {
      parts.push(cut.push(pcm.subarray(at, at + size)));
    }
    const joined = Float32Array.from(parts.flatMap((p) => [...p]));
    expect(joined.length).toBe(whole.length);
    expect(Math.abs(whole.length - 16_000)).toBeLessThanOrEqual(1);
    for (let i = 0; i < whole.length; i++) expect(joined[i]).toBeCloseTo(whole[i] as number, 6);
    // Sample n at 16 kHz is the sine at time n / 16 000.
    for (const n of [0, 1, 100, 12_345]) {
      expect(whole[n]).toBeCloseTo((16_000 / 32_768) * Math.sin((2 * Math.PI * 440 * n) / 16_000), 2);
    }
  });

  it('passes 16 kHz audio through unchanged', () => {
    const pcm = sinePcm16(16_000, 0.1, 300);
    const out = new Pcm16Resampler(16_000).push(pcm);
    expect(out.length).toBe(1_600);
    expect(out[7]).toBeCloseTo(pcm.readInt16LE(14) / 32_768, 6);
  });
});
