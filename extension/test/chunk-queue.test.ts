import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../lib/offscreen/chunk-queue';

const chunk = (recordingId: string, seq: number) => ({ recordingId, seq });

/** Sends everything in the queue, recording what the backend would have received per recording. */
function drain(queue: ChunkQueue<{ recordingId: string; seq: number }>, sent: Map<string, number[]>): void {
  for (let head = queue.peek(); head; head = queue.peek()) {
    sent.set(head.recordingId, [...(sent.get(head.recordingId) ?? []), head.seq]);
    queue.remove(head);
  }
}

describe('ChunkQueue', () => {
  it('keeps chunks in arrival order up to its capacity', () => {
    const queue = new ChunkQueue(3);
    expect(queue.push(chunk('a', 0))).toBe('queued');
    expect(queue.push(chunk('a', 1))).toBe('queued');
    expect(queue.push(chunk('a', 2))).toBe('queued');
    expect(queue.peek()).toEqual(chunk('a', 0));
    expect(queue.size).toBe(3);
  });

  it('on overflow drops the whole backlog of that recording, header chunk included', () => {
    const queue = new ChunkQueue(3);
    queue.push(chunk('a', 0));
    queue.push(chunk('a', 1));
    queue.push(chunk('a', 2));
    expect(queue.push(chunk('a', 3))).toBe('overflow');
    expect(queue.size).toBe(0);
    // The caller restarts: the new recording begins with its header chunk, which now fits.
    expect(queue.push(chunk('b', 0))).toBe('queued');
    expect(queue.peek()).toEqual(chunk('b', 0));
  });

  it('overflow spares other recordings still queued (e.g. a stopped recording’s final chunk)', () => {
    const queue = new ChunkQueue(2);
    queue.push(chunk('old', 7));
    queue.push(chunk('new', 0));
    expect(queue.push(chunk('new', 1))).toBe('overflow');
    expect(queue.peek()).toEqual(chunk('old', 7));
    expect(queue.size).toBe(1);
  });

  it('never lets a recording reach the backend with a gap, however pushes and sends interleave', () => {
    const queue = new ChunkQueue(4);
    const sent = new Map<string, number[]>();
    let recording = 0;
    let seq = 0;
    // A slow backend: one chunk is sent for every three recorded.
    for (let step = 0; step < 200; step++) {
      if (queue.push(chunk(`r${recording}`, seq)) === 'overflow') {
        recording += 1;
        seq = 0;
        queue.push(chunk(`r${recording}`, seq));
      }
      seq += 1;
      if (step % 3 === 0) {
        const head = queue.peek();
        if (head) {
          sent.set(head.recordingId, [...(sent.get(head.recordingId) ?? []), head.seq]);
          queue.remove(head);
        }
      }
    }
    drain(queue, sent);
    expect(recording).toBeGreaterThan(3);
    for (const seqs of sent.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it('remove reports a chunk that was dropped while it was being sent', () => {
    const queue = new ChunkQueue(4);
    const inFlight = chunk('a', 0);
    queue.push(inFlight);
    queue.dropRecording('a');
    expect(queue.remove(inFlight)).toBe(false);
  });

  it('rejects a capacity below one', () => {
    expect(() => new ChunkQueue(0)).toThrow(/capacity/);
  });
});
