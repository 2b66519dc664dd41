import { performance } from 'node:perf_hooks';
import type { Segment } from '@earshot/shared';
import type { ChunkedDecoding } from '../engine/types';
import { ChunkedTranscriber, DEFAULT_CHUNK_OPTIONS } from '../streaming/chunked-transcriber';
import type { InferenceKind, InferenceOutcome, InferenceRequest } from '../streaming/inference-queue';
import type { LiveTranscriber, WindowOptions } from '../streaming/live-transcriber';
import { RunningAverage } from '../streaming/running-average';
import type { SpeechActivityFactory } from '../streaming/speech-activity';
import { DEFAULT_WINDOW_OPTIONS, StreamingTranscriber } from '../streaming/streaming-transcriber';
import { QualityFinals } from './quality-finals';
import type { SessionObserver } from './session-observer';
import { TranscriptOutbox, type TranscriptUpdate } from './transcript-outbox';

/** Sends a window to the shared inference queue. */
export type Infer = (request: InferenceRequest) => Promise<InferenceOutcome>;

export interface RecordingPipelineOptions {
  /** Identifies the recording in the inference queue. */
  key: string;
  /** Names the recording in segment ids. */
  recordingId: string;
  infer: Infer;
  /**
   * Set when the model `infer` feeds decodes chunks with its state carried on (a transducer): the
   * recording is then streamed chunk by chunk, else by re-decoding the open window (LocalAgreement).
   */
  chunking?: ChunkedDecoding;
  bufferSeconds: number;
  /**
   * Once this much received audio is unrecognized, the next recognition may not be dropped; and if,
   * at the speed recognition has had, the window would take longer than this to recognize, its older
   * audio is given up, so that captions stay live and lag bounded when the engine is slower than the audio.
   */
  maxLagSeconds: number;
  observer: SessionObserver;
  /** Voice activity detection for the recording; without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
  /**
   * A second, stronger model for the finals: `infer` then feeds the fast model (interims and the
   * commit policy), and each stretch the policy commits is decoded again through `quality.infer`.
   */
  quality?: { infer: Infer; maxPendingSeconds: number; behind?: () => boolean };
}

/** The audio rate of every recording's pipeline; transports convert to it. */
export const PIPELINE_SAMPLE_RATE = 16_000;
/** Under load a window is cut to what can be recognized within the lag bound, but never below this. */
const MIN_WINDOW_UNDER_LOAD_SECONDS = 1;
/** Weight of the newest recognition in the running estimate of recognition speed. */
const SPEED_WEIGHT = 0.3;

/** The inference queue did not recognize the window (superseded or dropped under load). */
class RecognitionSkipped extends Error {}

/**
 * The transport-agnostic part of one recording: 16 kHz audio goes in, the streaming policy decides what
 * is final, recognitions go through the shared inference queue at most one at a time, backlog is shed
 * under lag, and the results wait in an outbox until the transport takes them. It knows nothing of how
 * the audio arrived or how the results leave.
 */
export class RecordingPipeline {
  private readonly transcriber: LiveTranscriber;
  private readonly outbox = new TranscriptOutbox();
  private readonly quality: QualityFinals | null;
  /** The recognition in progress; it never rejects (its failure waits in the outbox). */
  private running: Promise<void> | null = null;
  private nextKind: InferenceKind = 'interim';
  /** Wall-clock seconds (queue wait included) per second of window audio, over recent recognitions. */
  private readonly recognitionSpeed = new RunningAverage(SPEED_WEIGHT);
  /** Audio position (seconds) up to which the last completed recognition saw the audio. */
  private recognizedThrough = 0;

  constructor(private readonly options: RecordingPipelineOptions) {
    const recognize = (samples: Float32Array, window?: WindowOptions) =>
      this.recognizeWindow(samples, window);
    const common = {
      sampleRate: PIPELINE_SAMPLE_RATE,
      bufferSeconds: options.bufferSeconds,
      speech: options.createSpeechActivity?.(),
    };
    this.transcriber = options.chunking
      ? new ChunkedTranscriber(options.recordingId, recognize, {
          ...common,
          ...DEFAULT_CHUNK_OPTIONS,
          frameSeconds: options.chunking.frameSeconds,
        })
      : new StreamingTranscriber(options.recordingId, recognize, { ...common, ...DEFAULT_WINDOW_OPTIONS });
    this.quality = options.quality
      ? new QualityFinals({
          key: options.key,
          infer: options.quality.infer,
          sampleRate: PIPELINE_SAMPLE_RATE,
          bufferSeconds: options.bufferSeconds,
          maxPendingSeconds: options.quality.maxPendingSeconds,
          ...(options.quality.behind ? { qualityBehind: options.quality.behind } : {}),
        })
      : null;
  }

  /** Seconds of audio received so far. */
  get audioSeconds(): number {
    return this.transcriber.audioSeconds;
  }

  /** Seconds of received audio that no completed recognition has seen. */
  get lagSeconds(): number {
    return Math.max(0, this.transcriber.audioSeconds - this.recognizedThrough);
  }

  /** A recognition is in progress. */
  get recognizing(): boolean {
    return this.running !== null;
  }

  /** The recognition in progress, if any; it never rejects. */
  get recognition(): Promise<void> | null {
    return this.running;
  }

  append(samples: Float32Array): void {
    this.transcriber.append(samples);
    this.quality?.append(samples);
  }

  /**
   * Recognizes the audio received so far, unless a recognition is already running (then null). Too far
   * behind, older audio is given up first and the recognition may not be dropped by the queue.
   */
  recognize(): Promise<void> | null {
    if (this.running || !this.transcriber.due()) return null;
    this.shedBacklog();
    const lagging = this.lagSeconds > this.options.maxLagSeconds;
    return this.start({ final: false, kind: lagging ? 'final' : 'interim' });
  }

  /** The recording ended: everything left is recognized and becomes final. */
  async finish(): Promise<void> {
    // The interim in progress was read from the same transcript; let it land (or fail) first.
    await this.running;
    await this.start({ final: true, kind: 'final' });
    this.quality?.flush();
    await this.quality?.settled();
  }

  /** What is new since the last take; a failed recognition is thrown here (once). */
  take(): TranscriptUpdate {
    const open = this.transcriber.currentInterim;
    if (this.quality) this.outbox.addFinals(this.quality.take());
    const update = this.outbox.take({
      interim: this.quality ? this.quality.interim(open, this.transcriber.interimId) : open,
      recognizing: this.running !== null,
      lagSeconds: this.lagSeconds,
    });
    this.options.observer.answered?.(update);
    return update;
  }

  private shedBacklog(): void {
    const { maxLagSeconds } = this.options;
    const speed = this.recognitionSpeed.value;
    if (this.lagSeconds <= maxLagSeconds || speed === null) return;
    const budget = Math.max(MIN_WINDOW_UNDER_LOAD_SECONDS, maxLagSeconds / speed);
    const end = this.transcriber.audioSeconds;
    if (end - this.transcriber.windowStart <= budget) return;
    const keepFrom = end - budget;
    const update = this.transcriber.skipTo(keepFrom);
    // Below a fast engine's budget the cut can fall in audio already recognized (its words were interim).
    const unrecognized = keepFrom - this.recognizedThrough;
    if (unrecognized > 0) this.options.observer.audioSkipped?.(unrecognized);
    this.recognizedThrough = Math.max(this.recognizedThrough, keepFrom);
    this.commitFinals(update.finals);
    this.outbox.markShed();
  }

  private start({ final, kind }: { final: boolean; kind: InferenceKind }): Promise<void> {
    this.nextKind = kind;
    const through = this.transcriber.audioSeconds;
    const recognition = this.transcriber.step({ final }).then(
      (update) => {
        this.outbox.setSkipped(false);
        this.recognizedThrough = Math.max(this.recognizedThrough, through);
        this.commitFinals(update.finals);
      },
      (error: unknown) => {
        if (error instanceof RecognitionSkipped) this.outbox.setSkipped(true);
        else this.outbox.fail(error);
      },
    );
    const tracked = recognition.finally(() => {
      if (this.running === tracked) this.running = null;
    });
    this.running = tracked;
    return tracked;
  }

  /** Finals of the policy go out as they are, or first through the quality model. */
  private commitFinals(finals: Segment[]): void {
    if (this.quality) this.quality.commit(finals, this.transcriber.windowStart);
    else this.outbox.addFinals(finals);
  }

  private async recognizeWindow(samples: Float32Array, window: WindowOptions = {}) {
    const startedAt = performance.now();
    const outcome = await this.options.infer({
      key: this.options.key,
      kind: this.nextKind,
      samples,
      ...window,
    });
    if (outcome.status !== 'recognized') throw new RecognitionSkipped(outcome.status);
    this.recognitionSpeed.add(
      (performance.now() - startedAt) / 1000 / (samples.length / PIPELINE_SAMPLE_RATE),
    );
    return outcome.result;
  }
}
