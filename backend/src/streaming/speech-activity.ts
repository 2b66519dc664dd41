/** A stretch of the recording, seconds from its start. */
export interface SpeechSpan {
  start: number;
  end: number;
}

/**
 * Speech probability per fixed-size frame of one continuous recording (Silero VAD in production). Each
 * call continues where the previous one stopped; a partial frame waits for the next call.
 */
export interface FrameClassifier {
  readonly sampleRate: number;
  readonly frameSamples: number;
  accept(samples: Float32Array): Promise<Float32Array>;
  /** The recording ended: the partial frame left over is classified (padded with silence). */
  flush(): Promise<Float32Array>;
}

export interface SpeechActivityOptions {
  /** Probability at which speech starts; it ends below threshold − 0.15. */
  threshold: number;
  /** Shorter bursts are not speech (clicks, drum hits). */
  minSpeechSeconds: number;
  /** Silence shorter than this does not end speech; it is also the shortest pause reported. */
  minSilenceSeconds: number;
  /** Speech is widened by this on both sides, so soft onsets and endings stay inside it. */
  padSeconds: number;
}

export const DEFAULT_SPEECH_ACTIVITY_OPTIONS: SpeechActivityOptions = {
  threshold: 0.5,
  minSpeechSeconds: 0.25,
  minSilenceSeconds: 0.3,
  padSeconds: 0.2,
};

/** Makes the speech detector of one new recording. */
export type SpeechActivityFactory = () => SpeechActivity;

/** Sample positions; `end` is exclusive. */
interface Run {
  start: number;
  end: number;
}

/**
 * Where the speech is in one recording, decided frame by frame as audio arrives (each frame is
 * classified once) with hysteresis: speech must last `minSpeechSeconds` and is only over after
 * `minSilenceSeconds` of silence. Memory is bounded: runs before the audio still held are forgotten.
 */
export class SpeechActivity {
  /** Finished runs of speech, each at least minSpeech long, in order. */
  private readonly runs: Run[] = [];
  /** The run in progress: speech since `start`, silent since `silenceStart` if that is set. */
  private open: { start: number; silenceStart: number | null } | null = null;
  private frames = 0;
  private received = 0;
  private work: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;
  private readonly offThreshold: number;
  private readonly minSpeech: number;
  private readonly minSilence: number;
  private readonly pad: number;

  constructor(
    private readonly classifier: FrameClassifier,
    private readonly options: SpeechActivityOptions = DEFAULT_SPEECH_ACTIVITY_OPTIONS,
  ) {
    const rate = classifier.sampleRate;
    this.offThreshold = Math.max(options.threshold - 0.15, 0.01);
    this.minSpeech = options.minSpeechSeconds * rate;
    this.minSilence = options.minSilenceSeconds * rate;
    this.pad = options.padSeconds * rate;
  }

  /** Seconds of the recording classified so far. */
  get classifiedSeconds(): number {
    return this.classifiedSamples / this.classifier.sampleRate;
  }

  /** Queues the next samples of the recording for classification; it runs in the background. */
  push(samples: Float32Array): void {
    this.received += samples.length;
    this.enqueue(async () => this.observe(await this.classifier.accept(samples)));
  }

  /** Waits until everything pushed is classified; rethrows a classifier failure. */
  async settled(): Promise<void> {
    await this.work;
    if (this.failure) throw this.failure.error;
  }

  /** The recording ended: the last partial frame is classified and speech still going is closed. */
  async finish(): Promise<void> {
    this.enqueue(async () => {
      this.observe(await this.classifier.flush());
      if (this.open) this.close(this.open.silenceStart ?? this.classifiedSamples);
    });
    await this.settled();
  }

  /** Confirmed speech overlapping [from, to), padded and merged. */
  speechSpans(from: number, to: number): SpeechSpan[] {
    return this.padded(this.confirmedRuns())
      .map((run) => this.seconds(run))
      .filter((span) => span.end > from && span.start < to);
  }

  /** Whether confirmed speech itself (not only its padding) lies in [from, to). */
  hasSpeech(from: number, to: number): boolean {
    const rate = this.classifier.sampleRate;
    return this.confirmedRuns().some((run) => run.end > from * rate && run.start < to * rate);
  }

  /**
   * Where audio that may still hold an unheard word begins, at or after `from`: `from` itself inside
   * speech or in audio not classified yet; else the padded onset of the next speech, counting speech
   * that has only just begun; with none, the end of the classified audio.
   */
  speechOnsetFrom(from: number): number {
    const at = from * this.classifier.sampleRate;
    if (at >= this.classifiedSamples) return from;
    const next = this.allRuns().find((run) => run.end > at);
    return next
      ? Math.max(from, (next.start - this.pad) / this.classifier.sampleRate)
      : this.classifiedSeconds;
  }

  /** Whether [start, end) touches padded speech, counting speech that has only just begun and unclassified audio. */
  mayHoldSpeech(start: number, end: number): boolean {
    const rate = this.classifier.sampleRate;
    if (end * rate > this.classifiedSamples) return true;
    return this.padded(this.allRuns()).some((run) => run.end > start * rate && run.start < end * rate);
  }

  /**
   * Pauses overlapping [from, to): silences of at least `minSilenceSeconds` that follow speech, unpadded.
   * The last one may still be growing: it then ends at the end of the classified audio.
   */
  pauses(from: number, to: number): SpeechSpan[] {
    const result: SpeechSpan[] = [];
    this.runs.forEach((run, i) => {
      const next = this.runs[i + 1]?.start ?? this.open?.start ?? this.classifiedSamples;
      if (next - run.end < this.minSilence) return;
      const pause = this.seconds({ start: run.end, end: next });
      if (pause.end > from && pause.start < to) result.push(pause);
    });
    return result;
  }

  /** Audio before `seconds` is gone: forget the runs there, keeping the last one so the pause after it is known. */
  forgetBefore(seconds: number): void {
    const at = seconds * this.classifier.sampleRate;
    while (this.runs.length > 1 && (this.runs[1] as Run).end + this.pad <= at) this.runs.shift();
  }

  /** Finished runs and the run in progress once it has lasted minSpeech. */
  private confirmedRuns(): Run[] {
    const open = this.open;
    if (!open || (open.silenceStart ?? this.classifiedSamples) - open.start < this.minSpeech)
      return this.runs;
    return [...this.runs, { start: open.start, end: this.classifiedSamples }];
  }

  /** Finished runs and the run in progress, however short. */
  private allRuns(): Run[] {
    return this.open ? [...this.runs, { start: this.open.start, end: this.classifiedSamples }] : this.runs;
  }

  private get classifiedSamples(): number {
    return Math.min(this.frames * this.classifier.frameSamples, this.received);
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(async () => {
      if (this.failure) return;
      try {
        await task();
      } catch (error) {
        this.failure = { error };
      }
    });
  }

  private observe(probabilities: Float32Array): void {
    const frame = this.classifier.frameSamples;
    for (const p of probabilities) {
      const at = this.frames++ * frame;
      if (p >= this.options.threshold) {
        if (this.open) this.open.silenceStart = null;
        else this.open = { start: at, silenceStart: null };
      } else if (p < this.offThreshold && this.open) {
        this.open.silenceStart ??= at;
        if (at - this.open.silenceStart >= this.minSilence) this.close(this.open.silenceStart);
      }
    }
  }

  private close(end: number): void {
    if (this.open && end - this.open.start >= this.minSpeech) this.runs.push({ start: this.open.start, end });
    this.open = null;
  }

  /** Runs widened by the padding (within the classified audio), merged where they then touch. */
  private padded(runs: readonly Run[]): Run[] {
    const merged: Run[] = [];
    for (const run of runs) {
      const start = Math.max(0, run.start - this.pad);
      const end = Math.min(this.classifiedSamples, run.end + this.pad);
      const last = merged.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else merged.push({ start, end });
    }
    return merged;
  }

  private seconds(run: Run): SpeechSpan {
    const rate = this.classifier.sampleRate;
    return { start: run.start / rate, end: run.end / rate };
  }
}
