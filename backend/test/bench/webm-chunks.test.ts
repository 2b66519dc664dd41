import { describe, expect, it } from 'vitest';
import { planChunks, type WebmPacket } from '../../bench/webm-chunks';

/** A header of 300 bytes, then 60 ms frames of 100–179 bytes, as a WebM/Opus file would lay them out. */
function packets(count: number): { packets: WebmPacket[]; size: number } {
  const out: WebmPacket[] = [];
  let pos = 300;
  for (let i = 0; i < count; i++) {
    const size = 100 + ((i * 37) % 80);
    out.push({ start: i * 0.06, end: (i + 1) * 0.06, pos, size });
    pos += size;
  }
  return { packets: out, size: pos };
}

describe('cutting a recording as MediaRecorder hands it over', () => {
  const file = packets(100); // 6 s of audio

  it('hands over every byte exactly once, in order, the last chunk final when the audio ends', () => {
    const chunks = planChunks(file.size, file.packets, 0.25, 7);
    expect(chunks[0]?.from).toBe(0);
    expect(chunks.slice(1).map((c) => c.from)).toEqual(chunks.slice(0, -1).map((c) => c.to));
    expect(chunks.at(-1)).toMatchObject({ to: file.size, final: true, emitAt: 6 });
    expect(chunks.filter((c) => c.final)).toHaveLength(1);
    expect(chunks.every((c) => c.to > c.from)).toBe(true);
  });

  it('never hands over bytes of a frame that was not encoded yet, and cuts inside frames', () => {
    const chunks = planChunks(file.size, file.packets, 0.25, 7);
    let cutInside = 0;
    for (const chunk of chunks.filter((c) => !c.final)) {
      const encoded = file.packets.filter((p) => p.end <= chunk.emitAt + 1e-9);
      const last = encoded.at(-1) as WebmPacket;
      expect(chunk.to).toBeLessThanOrEqual(last.pos + last.size);
      expect(chunk.to).toBeGreaterThan(last.pos);
      if (chunk.to < last.pos + last.size) cutInside++;
    }
    expect(cutInside).toBeGreaterThan(chunks.length / 2);
  });

  it('sends one chunk per timeslice, skipping a timeslice in which no frame was finished', () => {
    expect(planChunks(file.size, file.packets, 1, 3).map((c) => c.emitAt)).toEqual([1, 2, 3, 4, 5, 6]);
    const tiny = planChunks(file.size, file.packets, 0.05, 3);
    expect(tiny[0]?.emitAt).toBeCloseTo(0.1);
  });
});
