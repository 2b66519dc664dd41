import {
  blockedSpan,
  type Segment,
  silenceSpan,
  type Word,
  WordFilter,
  type WordFilterSettings,
} from '@earshot/shared';
import { overlaps, type TimeSpan, type WordSilence } from './mute-schedule';

const LATENCY_SAMPLES = 50;
/** Counted words remembered per recording: enough to cover the replies that can still repeat them. */
const COUNTED_KEPT = 200;

interface RecordingWords {
  /** Last final word, kept so a word split across two replies is still found. */
  tail: Word | undefined;
  /** Blocked words already counted (recording seconds). */
  counted: TimeSpan[];
  /** End of the latest word seen, so each word's latency is measured once. */
  latestEnd: number;
}

/**
 * Reads a capture's caption replies for blocked words: which spans of the recording to silence,
 * how many distinct blocked words were found, and how late the recognizer reports words.
 */
export class BlockedWordTracker {
  private filter: WordFilter;
  private readonly recordings = new Map<string, RecordingWords>();
  private readonly latencies: number[] = [];
  private counted = 0;

  constructor(private settings: WordFilterSettings) {
    this.filter = new WordFilter(settings);
  }

  update(settings: WordFilterSettings): void {
    this.settings = settings;
    this.filter = new WordFilter(settings);
  }

  get filteredWords(): number {
    return this.counted;
  }

  /**
   * Seconds from a word's start being captured to the reply that first names it, for 95 % of the
   * recent words; undefined before any. Protect mode must silence from the word's start, and a
   * delay that fits only the typical word lets the slow ones through.
   */
  get latencySeconds(): number | undefined {
    if (this.latencies.length === 0) return undefined;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
  }

  /**
   * One reply of a recording: returns the blocked words it holds and the spans to silence for them
   * (padded), in recording time; none when the filter is off here or the audio is left alone.
   */
  observe(
    recordingId: string,
    recordingStartedAtMs: number,
    segments: Segment[],
    nowMs: number,
  ): WordSilence[] {
    const state = this.recordingState(recordingId);
    const words = segments.flatMap((s) => s.words);
    for (const w of words) {
      if (w.end_seconds <= state.latestEnd) continue;
      state.latestEnd = w.end_seconds;
      this.latencies.push(Math.max(0, (nowMs - recordingStartedAtMs) / 1000 - w.start_seconds));
      if (this.latencies.length > LATENCY_SAMPLES) this.latencies.shift();
    }
    const run = state.tail ? [state.tail, ...words] : words;
    const lastFinal = segments
      .filter((s) => s.final)
      .at(-1)
      ?.words.at(-1);
    if (lastFinal) state.tail = lastFinal;
    if (!this.settings.enabled) return [];
    const silences: WordSilence[] = [];
    for (const hit of this.filter.hits(run)) {
      const span = blockedSpan(hit);
      if (!state.counted.some((c) => overlaps(c, span))) {
        state.counted.push(span);
        if (state.counted.length > COUNTED_KEPT) state.counted.shift();
        this.counted += 1;
      }
      if (hit.mute && this.settings.audioMode !== 'off') {
        silences.push({ word: span, span: silenceSpan(span, this.settings.padSeconds) });
      }
    }
    return silences;
  }

  private recordingState(recordingId: string): RecordingWords {
    let state = this.recordings.get(recordingId);
    if (!state) {
      state = { tail: undefined, counted: [], latestEnd: -1 };
      this.recordings.set(recordingId, state);
      for (const id of [...this.recordings.keys()].slice(0, -4)) this.recordings.delete(id);
    }
    return state;
  }
}
