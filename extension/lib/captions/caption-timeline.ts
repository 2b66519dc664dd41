import type { CaptionsUpdate, Segment } from '@earshot/shared';

export interface CaptionPiece {
  text: string;
  final: boolean;
  /** Dual captions: the spoken language's line, drawn above the translation. */
  original?: boolean;
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
  /** Wall clock at which the segment's audio played (recording start + delay + segment start). */
  heardAtMs: number;
  /** Wall clock at which recording time 0 was heard: recording start plus any playback delay. */
  zeroHeardAtMs: number;
  hideAtMs: number;
}

/**
 * Wall-clock moment a time inside a recording was heard: the recording started when that audio
 * played, and the user hears it `delaySeconds` later (protect mode holds the sound back).
 */
export function heardAtMs(recordingStartedAtMs: number, recordingSeconds: number, delaySeconds = 0): number {
  return recordingStartedAtMs + (delaySeconds + recordingSeconds) * 1000;
}

/** How caption segments are shown: the word filter masks blocked words before anything is drawn. */
export type SegmentMask = (segments: Segment[]) => Segment[];

/**
 * Which caption text is on screen when. Segments carry recording time; mapped to wall clock they
 * say when the words were heard. A word shows once it is heard, which without a playback delay
 * is before its segment arrives (so it shows at once); a segment goes `holdMs` after its end was
 * heard. Every reply carries the recording's current interim
 * segment (if any) after its new finals, so each update replaces the recording's interim text.
 */
export class CaptionTimeline {
  private entries: Entry[] = [];
  private mask: SegmentMask = (segments) => segments;
  /** Words heard before this wall-clock moment belong to media the page no longer plays. */
  private cutoffMs = 0;

  constructor(private readonly options: CaptionTimelineOptions = DEFAULT_TIMELINE_OPTIONS) {}

  setMask(mask: SegmentMask): void {
    this.mask = mask;
  }

  apply(update: CaptionsUpdate, nowMs: number): void {
    const incomingIds = new Set(update.segments.map((s) => s.id));
    this.entries = this.entries.filter(
      (e) => e.recordingId !== update.recordingId || (e.segment.final && !incomingIds.has(e.segment.id)),
    );
    const delay = update.playbackDelaySeconds ?? 0;
    for (const whole of update.segments) {
      const segment = this.afterCutoff(whole, (t) => heardAtMs(update.recordingStartedAtMs, t, delay));
      const text = segment?.text.trim();
      if (!segment || !text) continue;
      const endHeardAtMs = heardAtMs(update.recordingStartedAtMs, segment.end_seconds, delay);
      if (nowMs - endHeardAtMs > this.options.staleMs) continue;
      const startHeardAtMs = heardAtMs(update.recordingStartedAtMs, segment.start_seconds, delay);
      this.entries.push({
        recordingId: update.recordingId,
        segment: { ...segment, text },
        heardAtMs: startHeardAtMs,
        zeroHeardAtMs: heardAtMs(update.recordingStartedAtMs, 0, delay),
        hideAtMs: Math.max(
          endHeardAtMs + this.options.holdMs,
          Math.max(nowMs, startHeardAtMs) + this.options.minDisplayMs,
        ),
      });
    }
    this.entries.sort((a, b) => a.heardAtMs - b.heardAtMs);
  }

  /**
   * Caption pieces on screen at `nowMs`, oldest first, masked, with only the words heard by then;
   * forgets expired ones.
   */
  visible(nowMs: number): CaptionPiece[] {
    this.entries = this.entries.filter((e) => e.hideAtMs > nowMs);
    const shown = this.entries.filter((e) => e.heardAtMs <= nowMs);
    const masked = this.mask(shown.map((e) => e.segment));
    return shown.flatMap((entry, i) => {
      const segment = masked[i] as Segment;
      const heard = segment.words.filter((w) => entry.zeroHeardAtMs + w.start_seconds * 1000 <= nowMs);
      const text =
        heard.length < segment.words.length ? heard.map((w) => w.word.trim()).join(' ') : segment.text;
      return text ? [{ text, final: segment.final }] : [];
    });
  }

  /** Whether captions are waiting to be heard or shown (the overlay keeps watching the clock). */
  pending(nowMs: number): boolean {
    return this.entries.some((e) => e.hideAtMs > nowMs);
  }

  clear(): void {
    this.entries = [];
  }

  /**
   * The page switched to other media at `cutoffMs`: what is on screen goes, and words heard before
   * that moment (still on their way from the recognizer) are never shown.
   */
  startOver(cutoffMs: number): void {
    this.entries = [];
    this.cutoffMs = cutoffMs;
  }

  private afterCutoff(segment: Segment, heardAt: (seconds: number) => number): Segment | undefined {
    if (heardAt(segment.start_seconds) >= this.cutoffMs) return segment;
    const words = segment.words.filter((w) => heardAt(w.start_seconds) >= this.cutoffMs);
    const first = words[0];
    if (!first) return undefined;
    return {
      ...segment,
      words,
      text: words.map((w) => w.word.trim()).join(' '),
      start_seconds: first.start_seconds,
    };
  }
}
