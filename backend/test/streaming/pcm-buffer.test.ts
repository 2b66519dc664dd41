import { describe, expect, it } from 'vitest';
import { PcmBuffer } from '../../src/streaming/pcm-buffer';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_x, i) => from + i);

describe('PcmBuffer', () => {
  it('reads from an absolute position after older audio was discarded', () => {
    const pcm = new PcmBuffer(100, 4);
    pcm.append(ramp(0, 30));
    pcm.discardBefore(10);
    pcm.append(ramp(30, 5));
    expect(pcm.startSample).toBe(10);
    expect(pcm.endSample).toBe(35);
    expect(Array.from(pcm.read(32))).toEqual([32, 33, 34]);
    expect(pcm.read(5)[0]).toBe(10);
  });

  it('never holds more than its capacity, dropping the oldest samples', () => {
    const pcm = new PcmBuffer(50, 8);
    for (let at = 0; at < 1000; at += 7) pcm.append(ramp(at, 7));
    expect(pcm.endSample).toBe(1001);
    expect(pcm.endSample - pcm.startSample).toBe(50);
    expect(Array.from(pcm.read(0))).toEqual(Array.from(ramp(951, 50)));
  });

  it('keeps the newest samples of one append larger than the capacity', () => {
    const pcm = new PcmBuffer(10);
    pcm.append(ramp(0, 25));
    expect(pcm.startSample).toBe(15);
    expect(Array.from(pcm.read(0))).toEqual(Array.from(ramp(15, 10)));
  });
});
