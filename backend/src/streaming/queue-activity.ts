import { performance } from 'node:perf_hooks';
import { RecentEvents } from './recent-events';

/** What one inference queue did over the last minute. */
export interface QueueActivitySummary {
  batches: number;
  windows: number;
  /** Windows per recognizer call; null without batches. */
  meanBatchSize: number | null;
  maxBatchSize: number;
  audioSeconds: number;
  inferenceSeconds: number;
  /** Engine seconds per second of audio; null without batches. */
  realTimeFactor: number | null;
  interimsDropped: number;
  interimsSuperseded: number;
}

export const ACTIVITY_SPAN_SECONDS = 60;

interface Batch {
  size: number;
  audioSeconds: number;
  inferenceSeconds: number;
}

/** A queue's batches and shed interims over the last minute, for the status page. */
export class QueueActivity {
  private readonly batches = new RecentEvents<Batch>(ACTIVITY_SPAN_SECONDS);
  private readonly shed = new RecentEvents<'dropped' | 'superseded'>(ACTIVITY_SPAN_SECONDS);
  /** When (`performance.now()`) an interim was last dropped for lack of time, or null. */
  lastDropAt: number | null = null;

  batchDecoded(batch: Batch): void {
    this.batches.record(batch);
  }

  interimDropped(): void {
    this.lastDropAt = performance.now();
    this.shed.record('dropped', this.lastDropAt);
  }

  interimSuperseded(): void {
    this.shed.record('superseded');
  }

  summary(now?: number): QueueActivitySummary {
    const batches = this.batches.within(now);
    const shed = this.shed.within(now);
    const windows = batches.reduce((sum, b) => sum + b.size, 0);
    const audioSeconds = batches.reduce((sum, b) => sum + b.audioSeconds, 0);
    const inferenceSeconds = batches.reduce((sum, b) => sum + b.inferenceSeconds, 0);
    return {
      batches: batches.length,
      windows,
      meanBatchSize: batches.length > 0 ? windows / batches.length : null,
      maxBatchSize: Math.max(0, ...batches.map((b) => b.size)),
      audioSeconds,
      inferenceSeconds,
      realTimeFactor: audioSeconds > 0 ? inferenceSeconds / audioSeconds : null,
      interimsDropped: shed.filter((s) => s === 'dropped').length,
      interimsSuperseded: shed.filter((s) => s === 'superseded').length,
    };
  }
}
