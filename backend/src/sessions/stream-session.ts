import { performance } from 'node:perf_hooks';
import type { Segment } from '@earshot/shared';
import type { ContainerFormat, SettleOptions } from '../audio/stream-decoder';
import { answerWaitMs } from '../streaming/answer-budget';
import type { SpeechActivityFactory } from '../streaming/speech-activity';
import { type Chunk, ChunkOrder } from './chunk-order';
import { ContainerIntake } from './container-intake';
import { type Infer, RecordingPipeline, type RecordingPipelineOptions } from './recording-pipeline';
import { SessionError } from './session-error';
import type { SessionObserver } from './session-observer';

export interface StreamSessionOptions {
  /** Identifies the session in the inference queue. */
  key: string;
  /** Names the recording in segment ids. */
  recordingId: string;
  format: ContainerFormat;
  infer: Infer;
  /** Run the recognizer after this many new chunks. */
  everyNChunks: number;
  /** Chunks that may wait ahead of a missing one before the recording is given up. */
  maxWaitingChunks: number;
  bufferSeconds: number;
  /** See RecordingPipelineOptions.maxLagSeconds. */
  maxLagSeconds: number;
  settle: SettleOptions;
  capturedAtMs?: number;
  observer: SessionObserver;
  /** Voice activity detection for the recording; without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
  /** See RecordingPipelineOptions.quality. */
  quality?: RecordingPipelineOptions['quality'];
  /** Dual captions: the spoken language's windows, recognized by a second pipeline over the same audio. */
  original?: Pick<RecordingPipelineOptions, 'infer' | 'chunking'>;
}

export interface ChunkOutcome {
  /** Final segments not sent in an earlier answer, then the current interim segment if there is one. */
  segments: Segment[];
  /** The session ended (its last chunk was processed); later chunks of the recording are refused. */
  ended: boolean;
  /** Answered without recognizing the audio received so far, because recognition is behind. */
  behind: boolean;
  /** Seconds of received audio not yet recognized. */
  lagSeconds: number;
  /** Dual captions: the spoken language's finals not sent before, then its interim. */
  originalSegments?: Segment[];
}

/** What a chunk brought: nothing new, audio (and how many seconds of it), or the end of the recording. */
type Intake = { kind: 'nothing_new' } | { kind: 'audio'; seconds: number } | { kind: 'last_chunk' };

/** Requests of one recording in progress at once; more means a misbehaving client, not a slow server. */
const MAX_CHUNKS_IN_FLIGHT = 16;

/**
 * The chunked-HTTP door to a recording's pipeline: chunks are put back in order and fed, one at a time,
 * to a persistent ffmpeg decoder whose audio goes into the pipeline.
 *
 * A chunk is answered well before the recorder's next chunk is due (see answerWaitMs):
 * if its recognition is not done by then, or another one is still busy, the answer carries the current
 * captions and `behind`, and the finals of that recognition go out with a later answer. So an uploader
 * that sends one chunk at a time never falls behind the recorder, and the next recognition covers all
 * audio received by then.
 */
export class StreamSession {
  readonly capturedAtMs: number | null;
  private readonly audio: ContainerIntake;
  private readonly pipeline: RecordingPipeline;
  /** Dual captions: the spoken language's pipeline beside the translation's. */
  private readonly original: RecordingPipeline | null;
  private readonly order: ChunkOrder;
  private intakeTail: Promise<unknown> = Promise.resolve();
  private chunksSinceRecognition = 0;
  private closed = false;
  private busy = 0;
  private lastActivity = Date.now();

  constructor(private readonly options: StreamSessionOptions) {
    this.capturedAtMs = options.capturedAtMs ?? null;
    this.order = new ChunkOrder(options.maxWaitingChunks);
    this.pipeline = new RecordingPipeline(options);
    // Its own queue key, so that its interims and the translation's never supersede each other.
    this.original = options.original
      ? new RecordingPipeline({
          ...options,
          ...options.original,
          key: `${options.key}:original`,
          recordingId: `${options.recordingId}-original`,
          quality: undefined,
        })
      : null;
    this.audio = new ContainerIntake({
      format: options.format,
      settle: options.settle,
      observer: options.observer,
      onPcm: (samples) => {
        this.pipeline.append(samples);
        this.original?.append(samples);
      },
    });
  }

  /** Seconds of audio decoded so far. */
  get decodedSeconds(): number {
    return this.audio.decodedSeconds;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Milliseconds since the session last did anything, or 0 while it is working. */
  idleMs(now = Date.now()): number {
    const recognizing = this.pipeline.recognizing || this.original?.recognizing === true;
    return this.busy > 0 || recognizing ? 0 : now - this.lastActivity;
  }

  receive(chunk: Chunk): Promise<ChunkOutcome> {
    if (this.busy >= MAX_CHUNKS_IN_FLIGHT) {
      return Promise.reject(
        new SessionError(
          'session_conflict',
          `${MAX_CHUNKS_IN_FLIGHT} chunks of this recording are already being processed; wait for their responses`,
        ),
      );
    }
    this.busy++;
    const arrivedAt = performance.now();
    const intake = this.intakeTail.then(() => this.intake(chunk));
    this.intakeTail = intake.catch(() => {});
    return intake
      .then((what) => this.answer(what, arrivedAt))
      .finally(() => {
        this.busy--;
        this.lastActivity = Date.now();
      });
  }

  /** Stops the decoder; later chunks are refused. */
  close(): void {
    this.closed = true;
    this.audio.close();
  }

  /** Puts the chunk in order and decodes what became contiguous; one chunk at a time per session. */
  private async intake(chunk: Chunk): Promise<Intake> {
    if (this.closed) {
      throw new SessionError(
        'recording_restart_required',
        'this recording was already closed; start a new one',
      );
    }
    const arrival = this.order.accept(chunk);
    switch (arrival.kind) {
      case 'duplicate':
      case 'waiting':
        return { kind: 'nothing_new' };
      case 'gap_too_long':
        this.close();
        throw new SessionError(
          'recording_restart_required',
          `chunk seq ${arrival.missing} never arrived, so the audio stream is broken; restart the recording`,
        );
    }
    const bytes = arrival.chunks.map((c) => c.bytes);
    try {
      if (arrival.chunks.some((c) => c.final)) {
        await this.audio.end(bytes);
        return { kind: 'last_chunk' };
      }
      const audioBefore = this.pipeline.audioSeconds;
      await this.audio.write(bytes);
      this.chunksSinceRecognition += arrival.chunks.length;
      return { kind: 'audio', seconds: this.pipeline.audioSeconds - audioBefore };
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private async answer(intake: Intake, arrivedAt: number): Promise<ChunkOutcome> {
    if (intake.kind === 'last_chunk') return this.finish();
    if (
      intake.kind === 'audio' &&
      !this.pipeline.recognizing &&
      this.chunksSinceRecognition >= this.options.everyNChunks
    ) {
      this.chunksSinceRecognition = 0;
      const recognitions = [this.pipeline.recognize(), this.original?.recognize() ?? null].filter(
        (r): r is Promise<void> => r !== null,
      );
      if (recognitions.length > 0)
        await settledOrDue(
          Promise.all(recognitions).then(() => {}),
          arrivedAt + answerWaitMs(intake.seconds),
        );
    }
    return this.collect(false);
  }

  private async finish(): Promise<ChunkOutcome> {
    try {
      await Promise.all([this.pipeline.finish(), this.original?.finish()]);
      return this.collect(true);
    } finally {
      this.close();
    }
  }

  /** The answer to a chunk: finals not yet sent, the current interim, and whether recognition is behind. */
  private collect(ended: boolean): ChunkOutcome {
    const { finals, interim, behind, lagSeconds } = this.pipeline.take();
    const outcome = { segments: interim ? [...finals, interim] : finals, ended, behind, lagSeconds };
    if (!this.original) return outcome;
    const original = this.original.take();
    return {
      ...outcome,
      originalSegments: original.interim ? [...original.finals, original.interim] : original.finals,
    };
  }
}

/** Resolves when `work` settles or at `dueAt` (a `performance.now()` time), whichever comes first. */
async function settledOrDue(work: Promise<void>, dueAt: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, dueAt - performance.now()));
  });
  try {
    await Promise.race([work, due]);
  } finally {
    clearTimeout(timer);
  }
}
