import {
  blockedSpan,
  type Segment,
  silenceSpan,
  type Word,
  WordFilter,
  type WordFilterSettings,
} from '@earshot/shared';
import { overlaps, type TimeSpan, type WordSilence } from './mute-schedule';

/** Counted words remembered per recording: enough to cover the replies that can still repeat them. */
const COUNTED_KEPT = 200;

interface RecordingWords {
  /** Last final word, kept so a word split across two replies is still found. */
  tail: Word | undefined;
  /** Blocked words already counted (recording seconds). */
  counted: TimeSpan[];
}

/**
 * Reads a capture's caption replies for blocked words: which spans of the recording to silence,
 * and how many distinct blocked words were found.
 */
export class BlockedWordTracker {
  private filter: WordFilter;
  private readonly recordings = new Map<string, RecordingWords>();
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
   * One reply of a recording: returns the blocked words it holds and the spans to silence for them
   * (padded), in recording time; none when the filter is off here or the audio is left alone.
   */
  observe(recordingId: string, segments: Segment[]): WordSilence[] {
    const state = this.recordingState(recordingId);
    const words = segments.flatMap((s) => s.words);
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
      state = { tail: undefined, counted: [] };
      this.recordings.set(recordingId, state);
      for (const id of [...this.recordings.keys()].slice(0, -4)) this.recordings.delete(id);
    }
    return state;
  }
}
