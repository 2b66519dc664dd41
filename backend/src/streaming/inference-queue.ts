import type { ChunkRequest, RecognitionResult, Recognizer, RecognizerStream } from '../engine/types';
import { LiveCadence } from './live-cadence';
import { QueueActivity } from './queue-activity';
import { type QueueClock, systemClock } from './queue-clock';
import { RunningAverage } from './running-average';

/**
 * `final`: a result the session must have (the end of a recording, or a session too far behind); never
 * dropped and served first. `interim`: a caption refresh that a newer one may replace or that may be
 * dropped when the queue is too far behind. `batch`: a window of a file or job; never dropped or
 * replaced, decoded alone and only when no live window waits and, while live windows come, only if
 * it should end before the next one is expected (see `InferenceQueue`).
 */
export type InferenceKind = 'final' | 'interim' | 'batch';

export interface InferenceRequest {
  /** The session the window belongs to. */
  key: string;
  kind: InferenceKind;
  /** 16 kHz mono audio. */
  samples: Float32Array;
  /** Text before this audio, for a recognizer that conditions on it (Whisper); the others ignore it. */
  prompt?: string;
  /** The window is a chunk of a recording (for a recognizer with `chunking`). */
  chunk?: ChunkRequest;
  /** The caller's speech detector heard speech in the window (see StreamOptions.voiced). */
  voiced?: boolean;
  /** A later window covers this audio again (see StreamOptions.live). */
  live?: boolean;
  /** The spoken language and the language to write (see StreamOptions). */
  language?: string;
  targetLanguage?: string;
}

export type InferenceOutcome =
  | { status: 'recognized'; result: RecognitionResult }
  /** A newer request of the same session took this waiting interim's place. */
  | { status: 'superseded' }
  /** The queue was too far behind to serve this interim in time. */
  | { status: 'dropped' }
  /** Its owner withdrew this waiting batch window (a cancelled job). */
  | { status: 'withdrawn' };

export interface BatchReport {
  size: number;
  audioSeconds: number;
  inferenceSeconds: number;
  /** Seconds each request of the batch waited between submission and the start of its batch. */
  waitSeconds: number[];
}

/** What the queue reports as it works; every method is optional. */
export interface InferenceObserver {
  batchDecoded?(batch: BatchReport): void;
  depthChanged?(depth: number): void;
  interimDropped?(): void;
  interimSuperseded?(): void;
  /** Requests the recognizer refused or failed on. */
  recognitionFailed?(requests: number): void;
}

export interface InferenceQueueOptions {
  /** Most windows decoded in one recognizer call. */
  maxBatch: number;
  /**
   * An interim that would wait longer than this before its batch starts, at the engine speed measured
   * so far, is dropped.
   */
  maxWaitSeconds: number;
  /** Live traffic counts as ongoing while a live window arrived within this many seconds. */
  liveRecentSeconds: number;
  /**
   * The most a file window is held back for live traffic: once the queue has started no file window
   * for this long, the next one starts as soon as no live window waits, fitting a gap or not; after
   * twice this long it takes the next recognizer call, ahead of live windows.
   */
  maxBatchDeferSeconds: number;
}

export const DEFAULT_INFERENCE_QUEUE_OPTIONS: InferenceQueueOptions = {
  maxBatch: 8,
  maxWaitSeconds: 1,
  liveRecentSeconds: 1,
  maxBatchDeferSeconds: 1,
};

/** Decode times vary from call to call: a file window fits a gap only with this much room to spare. */
const GAP_MARGIN = 1.25;

interface Waiting {
  request: InferenceRequest;
  audioSeconds: number;
  submittedAt: number;
  settle(outcome: InferenceOutcome): void;
  fail(error: unknown): void;
}

/** Weight of the newest batch in the running estimate of engine speed. */
const SPEED_WEIGHT = 0.3;

export class QueueClosedError extends Error {
  constructor() {
    super('the inference queue is closed');
    this.name = 'QueueClosedError';
  }
}

/**
 * One queue per recognizer, shared by every session: recognizer calls are serialized, and each call
 * decodes a batch of the windows waiting, finals first, then interims in arrival order; batch windows
 * (files) only when neither waits, one per call. A session has at
 * most one interim waiting (a newer request replaces it), and interims that could not start within
 * `maxWaitSeconds` are dropped, so the wait stays bounded however many sessions there are.
 *
 * File windows use the gaps between live windows: while live traffic is recent, a file window starts
 * only if its estimated decode ends before the next live window is expected (from each session's
 * cadence); otherwise it waits for the next live batch to finish or for live traffic to stop. Jobs do
 * not starve: `maxBatchDeferSeconds` after the last file window started, the next one goes without a
 * gap, and twice that after, even ahead of waiting live windows. Without live traffic file windows run
 * back to back.
 */
export class InferenceQueue {
  readonly options: InferenceQueueOptions;
  /** Batches and shed interims over the last minute. */
  readonly activity = new QueueActivity();
  private finals: Waiting[] = [];
  private interims: Waiting[] = [];
  private batches: Waiting[] = [];
  private draining = false;
  private closed = false;
  private running: { startedAt: number; estimatedSeconds: number } | null = null;
  private drained: Promise<void> = Promise.resolve();
  private readonly speed = new RunningAverage(SPEED_WEIGHT);
  /** Engine speed on file windows alone: they are longer than live windows, so cheaper per second. */
  private readonly batchSpeed = new RunningAverage(SPEED_WEIGHT);
  private readonly live: LiveCadence;
  private lastBatchStartAt = Number.NEGATIVE_INFINITY;
  private cancelWake: (() => void) | null = null;

  constructor(
    private readonly recognizer: Recognizer,
    options: Partial<InferenceQueueOptions> = {},
    private readonly observer: InferenceObserver = {},
    private readonly clock: QueueClock = systemClock,
  ) {
    this.options = { ...DEFAULT_INFERENCE_QUEUE_OPTIONS, ...options };
    this.live = new LiveCadence(this.options.liveRecentSeconds * 1000);
  }

  /** Requests waiting for a batch (not counting the one being decoded). */
  get depth(): number {
    return this.finals.length + this.interims.length + this.batches.length;
  }

  /** Requests waiting, by kind. */
  get depthByKind(): Record<InferenceKind, number> {
    return { final: this.finals.length, interim: this.interims.length, batch: this.batches.length };
  }

  /** A batch is being decoded. */
  get decoding(): boolean {
    return this.running !== null;
  }

  /**
   * Estimated engine seconds before a final submitted now would be decoded: what is left of the batch
   * running and the finals waiting, at the measured speed (0 until a batch has been decoded).
   */
  get finalBacklogSeconds(): number {
    return (
      this.runningLeftSeconds() +
      this.estimateSeconds(this.finals.reduce((sum, w) => sum + w.audioSeconds, 0))
    );
  }

  /** Engine seconds per second of audio over recent batches; null until a batch has been decoded. */
  get secondsPerAudioSecond(): number | null {
    return this.speed.value;
  }

  submit(request: InferenceRequest): Promise<InferenceOutcome> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        request,
        audioSeconds: request.samples.length / this.recognizer.sampleRate,
        submittedAt: this.clock.now(),
        settle: resolve,
        fail: reject,
      };
      if (request.kind === 'batch') {
        this.batches.push(entry);
        this.observer.depthChanged?.(this.depth);
        this.startDraining();
        return;
      }
      this.live.arrived(request.key, entry.submittedAt);
      const earlier = this.interims.findIndex((w) => w.request.key === request.key);
      if (earlier >= 0) {
        const superseded = this.interims[earlier] as Waiting;
        if (request.kind === 'interim') this.interims[earlier] = entry;
        else this.interims.splice(earlier, 1);
        superseded.settle({ status: 'superseded' });
        this.activity.interimSuperseded();
        this.observer.interimSuperseded?.();
      }
      if (request.kind === 'final') this.finals.push(entry);
      else if (earlier < 0) this.interims.push(entry);
      this.dropInterimsThatWouldWaitTooLong();
      this.observer.depthChanged?.(this.depth);
      this.startDraining();
    });
  }

  /** Settles every waiting batch window of `key` as withdrawn; returns how many there were. */
  withdraw(key: string): number {
    const withdrawn = this.batches.filter((w) => w.request.key === key);
    if (withdrawn.length === 0) return 0;
    this.batches = this.batches.filter((w) => w.request.key !== key);
    for (const w of withdrawn) w.settle({ status: 'withdrawn' });
    if (this.batches.length === 0) this.stopWaking();
    this.observer.depthChanged?.(this.depth);
    return withdrawn.length;
  }

  private startDraining(): void {
    if (this.draining) return;
    this.draining = true;
    // Let requests that arrive in the same tick join the first batch.
    this.drained = new Promise((done) => setImmediate(() => void this.drain().finally(done)));
  }

  /** Refuses new requests, fails the waiting ones and waits for the batch being decoded. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = [...this.finals, ...this.interims, ...this.batches];
    this.finals = [];
    this.interims = [];
    this.batches = [];
    this.stopWaking();
    for (const w of waiting) w.fail(new QueueClosedError());
    this.observer.depthChanged?.(0);
    await this.drained;
  }

  private async drain(): Promise<void> {
    while (this.depth > 0) {
      const batch: Waiting[] = [];
      if (this.batchHeldMs() < 2 * this.options.maxBatchDeferSeconds * 1000) {
        batch.push(...this.finals.splice(0, this.options.maxBatch));
        batch.push(...this.interims.splice(0, this.options.maxBatch - batch.length));
      }
      if (batch.length === 0) {
        const holdMs = this.batchHoldMs();
        if (holdMs > 0) {
          this.wakeAfter(holdMs);
          break;
        }
        batch.push(...this.batches.splice(0, 1));
        this.lastBatchStartAt = this.clock.now();
      }
      this.observer.depthChanged?.(this.depth);
      await this.decode(batch);
      this.dropInterimsThatWouldWaitTooLong();
    }
    this.draining = false;
  }

  /** How long the first file window has been held back: since it came, or since the last one started. */
  private batchHeldMs(): number {
    const head = this.batches[0];
    if (!head) return 0;
    return this.clock.now() - Math.max(head.submittedAt, this.lastBatchStartAt);
  }

  /**
   * With no live window waiting: 0 if the first file window may start now, else how long to wait at
   * most before looking again (live traffic stops counting, or the window is overdue). A live window
   * arriving meanwhile restarts the drain, and its batch's end is the next chance.
   */
  private batchHoldMs(): number {
    const head = this.batches[0] as Waiting;
    const now = this.clock.now();
    const overdueInMs = this.options.maxBatchDeferSeconds * 1000 - this.batchHeldMs();
    if (!this.live.isRecent(now) || overdueInMs <= 0) return 0;
    const estimatedEnd = now + this.estimateBatchSeconds(head.audioSeconds) * GAP_MARGIN * 1000;
    if (estimatedEnd <= this.live.nextArrival(now)) return 0;
    return Math.max(1, Math.min(this.live.recentUntil - now, overdueInMs));
  }

  private wakeAfter(ms: number): void {
    this.stopWaking();
    this.cancelWake = this.clock.wakeAfter(ms, () => {
      this.cancelWake = null;
      this.startDraining();
    });
  }

  private stopWaking(): void {
    this.cancelWake?.();
    this.cancelWake = null;
  }

  private async decode(batch: Waiting[]): Promise<void> {
    // A window the recognizer refuses (e.g. non-finite samples) fails only its own session.
    const accepted: { waiting: Waiting; stream: RecognizerStream }[] = [];
    for (const waiting of batch) {
      try {
        const { prompt, chunk, voiced, live, language, targetLanguage } = waiting.request;
        const stream = this.recognizer.createStream({
          ...(prompt !== undefined ? { prompt } : {}),
          ...(chunk ? { chunk } : {}),
          ...(voiced ? { voiced } : {}),
          ...(live ? { live } : {}),
          ...(language !== undefined ? { language } : {}),
          ...(targetLanguage !== undefined ? { targetLanguage } : {}),
        });
        stream.acceptWaveform(waiting.request.samples);
        accepted.push({ waiting, stream });
      } catch (error) {
        waiting.fail(error);
        this.observer.recognitionFailed?.(1);
      }
    }
    if (accepted.length === 0) return;

    const audioSeconds = accepted.reduce((sum, a) => sum + a.waiting.audioSeconds, 0);
    const startedAt = this.clock.now();
    this.running = { startedAt, estimatedSeconds: this.estimateSeconds(audioSeconds) };
    try {
      await this.recognizer.decode(accepted.map((a) => a.stream));
    } catch (error) {
      for (const { waiting } of accepted) waiting.fail(error);
      this.observer.recognitionFailed?.(accepted.length);
      return;
    } finally {
      this.running = null;
    }
    const inferenceSeconds = (this.clock.now() - startedAt) / 1000;
    this.measure(inferenceSeconds, audioSeconds);
    if (accepted.every((a) => a.waiting.request.kind === 'batch') && audioSeconds > 0) {
      this.batchSpeed.add(inferenceSeconds / audioSeconds);
    }
    this.activity.batchDecoded({ size: accepted.length, audioSeconds, inferenceSeconds });
    this.observer.batchDecoded?.({
      size: accepted.length,
      audioSeconds,
      inferenceSeconds,
      waitSeconds: accepted.map((a) => (startedAt - a.waiting.submittedAt) / 1000),
    });
    for (const { waiting, stream } of accepted) {
      if (stream.result) waiting.settle({ status: 'recognized', result: stream.result });
      else waiting.fail(new Error('recognizer returned no result for a stream'));
    }
  }

  private measure(inferenceSeconds: number, audioSeconds: number): void {
    if (audioSeconds <= 0) return;
    this.speed.add(inferenceSeconds / audioSeconds);
  }

  private estimateSeconds(audioSeconds: number): number {
    return (this.speed.value ?? 0) * audioSeconds;
  }

  /** Estimated engine seconds left of the batch being decoded; 0 when none is. */
  private runningLeftSeconds(): number {
    if (!this.running) return 0;
    return Math.max(0, this.running.estimatedSeconds - (this.clock.now() - this.running.startedAt) / 1000);
  }

  private estimateBatchSeconds(audioSeconds: number): number {
    return (this.batchSpeed.value ?? this.speed.value ?? 0) * audioSeconds;
  }

  /**
   * Plays the waiting requests forward in the order `drain` will take them, batch by batch, at the
   * measured speed, and drops every interim whose batch would start later than `maxWaitSeconds` from now.
   * Finals come first in that order, so interims are always the ones to go.
   */
  private dropInterimsThatWouldWaitTooLong(): void {
    if (this.speed.value === null || this.interims.length === 0) return;
    const { maxBatch, maxWaitSeconds } = this.options;
    let batchStart = this.runningLeftSeconds();
    let inBatch = 0;
    let batchAudio = 0;
    const kept: Waiting[] = [];
    for (const waiting of [...this.finals, ...this.interims]) {
      const isInterim = waiting.request.kind === 'interim';
      if (isInterim && batchStart > maxWaitSeconds) {
        waiting.settle({ status: 'dropped' });
        this.activity.interimDropped();
        this.observer.interimDropped?.();
        continue;
      }
      if (isInterim) kept.push(waiting);
      inBatch++;
      batchAudio += waiting.audioSeconds;
      if (inBatch === maxBatch) {
        batchStart += this.estimateSeconds(batchAudio);
        inBatch = 0;
        batchAudio = 0;
      }
    }
    this.interims = kept;
  }
}
