import type { Segment } from '@earshot/shared';

const SAMPLES = 50;

/**
 * How late the recognizer reports words: seconds from a word's start being captured to the reply
 * that first names it, over the recent words of a capture (each word measured once).
 */
export class WordLatency {
  private readonly samples: number[] = [];
  /** End of the latest word seen per recording (recording seconds). */
  private readonly latestEnd = new Map<string, number>();

  observe(recordingId: string, recordingStartedAtMs: number, segments: Segment[], nowMs: number): void {
    let latest = this.latestEnd.get(recordingId) ?? -1;
    for (const w of segments.flatMap((s) => s.words)) {
      if (w.end_seconds <= latest) continue;
      latest = w.end_seconds;
      this.samples.push(Math.max(0, (nowMs - recordingStartedAtMs) / 1000 - w.start_seconds));
      if (this.samples.length > SAMPLES) this.samples.shift();
    }
    this.latestEnd.set(recordingId, latest);
    for (const id of [...this.latestEnd.keys()].slice(0, -4)) this.latestEnd.delete(id);
  }

  /** The latency `fraction` of the recent words beat (0.5: the median); undefined before any. */
  percentile(fraction: number): number | undefined {
    if (this.samples.length === 0) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1))];
  }
}
