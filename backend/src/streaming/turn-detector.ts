import type { FrameClassifier } from './speech-activity';

/** Server VAD settings, as the Realtime API's `server_vad` turn detection names them. */
export interface TurnDetectionOptions {
  /** Speech probability at which a turn starts; it counts as silence below threshold − 0.15. */
  threshold: number;
  /** Audio kept before the detected onset, so the first sound of the turn is not cut. */
  prefixPaddingMs: number;
  /** Silence that ends a turn. */
  silenceDurationMs: number;
}

export const DEFAULT_TURN_DETECTION: TurnDetectionOptions = {
  threshold: 0.5,
  prefixPaddingMs: 300,
  silenceDurationMs: 500,
};

/** A turn started (at its padded onset) or stopped (once its closing silence had lasted long enough). */
export type TurnEvent = { type: 'started'; atSample: number } | { type: 'stopped'; atSample: number };

/**
 * Where turns of speech start and stop in one continuous stream of audio, frame by frame (Silero VAD in
 * production): with hysteresis, a turn starts at the first speech frame and stops once silence has
 * lasted `silenceDurationMs`.
 */
export class TurnDetector {
  private frames = 0;
  /** Where the turn in progress started (unpadded), and since when it has been silent. */
  private turn: { silenceStart: number | null } | null = null;
  private readonly offThreshold: number;
  private readonly silenceSamples: number;
  private readonly paddingSamples: number;

  constructor(
    private readonly classifier: FrameClassifier,
    private readonly options: TurnDetectionOptions,
  ) {
    this.offThreshold = Math.max(options.threshold - 0.15, 0.01);
    this.silenceSamples = (options.silenceDurationMs / 1000) * classifier.sampleRate;
    this.paddingSamples = (options.prefixPaddingMs / 1000) * classifier.sampleRate;
  }

  get inTurn(): boolean {
    return this.turn !== null;
  }

  /** Classifies the next samples; returns the turn boundaries they revealed, in order. */
  async push(samples: Float32Array): Promise<TurnEvent[]> {
    const events: TurnEvent[] = [];
    const frame = this.classifier.frameSamples;
    for (const p of await this.classifier.accept(samples)) {
      const at = this.frames++ * frame;
      if (p >= this.options.threshold) {
        if (!this.turn) events.push({ type: 'started', atSample: Math.max(0, at - this.paddingSamples) });
        this.turn = { silenceStart: null };
      } else if (p < this.offThreshold && this.turn) {
        this.turn.silenceStart ??= at;
        if (at + frame - this.turn.silenceStart >= this.silenceSamples) {
          events.push({ type: 'stopped', atSample: at + frame });
          this.turn = null;
        }
      }
    }
    return events;
  }

  /** A client commit ended the turn in progress; the next speech frame starts a new one. */
  reset(): void {
    this.turn = null;
  }
}
