import type { CaptionsUpdate, Segment } from '@earshot/shared';

export interface CaptionPiece {
  text: string;
  final: boolean;
}

export interface CaptionTimelineOptions {
  /** How long a segment stays after the moment its last word was heard. */
  holdMs: number;
  /** Least time a segment stays on screen, so late arrivals can still be read. */
  minDisplayMs: number;
  /** Segments that arrive this long after they were heard are no longer worth showing. */
  staleMs: number;
}

export const DEFAULT_TIMELINE_OPTIONS: CaptionTimelineOptions = {
  holdMs: 3500,
  minDisplayMs: 2000,
  staleMs: 12_000,
};

interface Entry {
  recordingId: string;
  segment: Segment;
  /** Wall clock at which the segment's audio played (recording start + segment start). */
  heardAtMs: number;
  hideAtMs: number;
}

/** Wall-clock moment a time inside a recording was heard: the recording started when that audio played. */
export function heardAtMs(recordingStartedAtMs: number, recordingSeconds: number): number {
  return recordingStartedAtMs + recordingSeconds * 1000;
}

/**
 * Which caption text is on screen when. Segments carry recording time; mapped to wall clock they
 * say when the words were heard. A segment shows as soon as it arrives (it is already late) and
 * goes `holdMs` after its end was heard. Every reply carries the recording's current interim
 * segment (if any) after its new finals, so each update replaces the recording's interim text.
 */
export class CaptionTimeline {
  private entries: Entry[] = [];

  constructor(private readonly options: CaptionTimelineOptions = DEFAULT_TIMELINE_OPTIONS) {}

  apply(update: CaptionsUpdate, nowMs: number): void {
    const incomingIds = new Set(update.segments.map((s) => s.id));
    this.entries = this.entries.filter(
      (e) => e.recordingId !== update.recordingId || (e.segment.final && !incomingIds.has(e.segment.id)),
    );
    for (const segment of update.segments) {
      const text = segment.text.trim();
      if (!text) continue;
      const endHeardAtMs = heardAtMs(update.recordingStartedAtMs, segment.end_seconds);
      if (nowMs - endHeardAtMs > this.options.staleMs) continue;
      this.entries.push({
        recordingId: update.recordingId,
        segment: { ...segment, text },
        heardAtMs: heardAtMs(update.recordingStartedAtMs, segment.start_seconds),
        hideAtMs: Math.max(endHeardAtMs + this.options.holdMs, nowMs + this.options.minDisplayMs),
      });
    }
    this.entries.sort((a, b) => a.heardAtMs - b.heardAtMs);
  }

  /** Caption pieces on screen at `nowMs`, oldest first; forgets expired ones. */
  visible(nowMs: number): CaptionPiece[] {
    this.entries = this.entries.filter((e) => e.hideAtMs > nowMs);
    return this.entries.map((e) => ({ text: e.segment.text, final: e.segment.final }));
  }

  clear(): void {
    this.entries = [];
  }
}
