import { performance } from 'node:perf_hooks';
import type { Segment } from '@earshot/shared';
import { type ContainerFormat, type SettleOptions, StreamDecoder } from '../audio/stream-decoder';
import type { InferenceKind, InferenceOutcome, InferenceRequest } from '../streaming/inference-queue';
import { RunningAverage } from '../streaming/running-average';
import type { SpeechActivityFactory } from '../streaming/speech-activity';
import { DEFAULT_WINDOW_OPTIONS, StreamingTranscriber } from '../streaming/streaming-transcriber';
import { type Chunk, ChunkOrder } from './chunk-order';
import { SessionError } from './session-error';
import type { SessionObserver } from './session-observer';

/** Sends a window to the shared inference queue. */
export type Infer = (request: InferenceRequest) => Promise<InferenceOutcome>;

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
  /**
   * Once this much received audio is unrecognized, the next recognition may not be dropped; and if,
   * at the speed recognition has had, the window would take longer than this to recognize, its older
   * audio is given up, so that captions stay live and lag bounded when the engine is slower than the audio.
   */
  maxLagSeconds: number;
  settle: SettleOptions;
  capturedAtMs?: number;
  observer: SessionObserver;
  /** Voice activity detection for the recording; without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
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
}

/** What a chunk brought: nothing new, audio (and how many seconds of it), or the end of the recording. */
type Intake = { kind: 'nothing_new' } | { kind: 'audio'; seconds: number } | { kind: 'last_chunk' };

const SAMPLE_RATE = 16_000;
/** Under load a window is cut to what can be recognized within the lag bound, but never below this. */
const MIN_WINDOW_UNDER_LOAD_SECONDS = 1;
/** Weight of the newest recognition in the running estimate of recognition speed. */
const SPEED_WEIGHT = 0.3;
/** Requests of one recording in progress at once; more means a misbehaving client, not a slow server. */
const MAX_CHUNKS_IN_FLIGHT = 16;

/** The inference queue did not recognize the window (superseded or dropped under load). */
class RecognitionSkipped extends Error {}

/**
 * One recording of one tab: its chunks are put back in order and fed, one at a time, to a persistent
 * ffmpeg decoder whose audio goes through the streaming policy.
 *
 * Recognition runs beside the requests, at most one per session at a time. A chunk is answered before
 * the recorder's next chunk is due (within as long as the audio it carried): if its recognition is not
 * done by then, or another one is still busy, the answer carries the current captions and `behind`, and
 * the finals of that recognition go out with a later answer. So an uploader that sends one chunk at a
 * time never falls behind the recorder, and the next recognition covers all audio received by then.
 */
export class StreamSession {
  readonly capturedAtMs: number | null;
  private readonly decoder: StreamDecoder;
  private readonly transcriber: StreamingTranscriber;
  private readonly order: ChunkOrder;
  private intakeTail: Promise<unknown> = Promise.resolve();
  /** The recognition in progress; it never rejects (its failure waits in `failure`). */
  private recognition: Promise<void> | null = null;
  private nextKind: InferenceKind = 'interim';
  /** Final segments recognized but not yet sent in an answer. */
  private undelivered: Segment[] = [];
  /** A recognition failed after its chunk was answered; the next answer reports it. */
  private failure: { error: unknown } | null = null;
  /** The last recognition was dropped or superseded by the queue. */
  private skipped = false;
  /** Audio was given up since the last answer. */
  private shed = false;
  /** Wall-clock seconds (queue wait included) per second of window audio, over recent recognitions. */
  private readonly recognitionSpeed = new RunningAverage(SPEED_WEIGHT);
  /** Audio position (seconds) up to which the last completed recognition saw the audio. */
  private recognizedThrough = 0;
  private chunksSinceRecognition = 0;
  private closed = false;
  private busy = 0;
  private lastActivity = Date.now();

  constructor(private readonly options: StreamSessionOptions) {
    this.capturedAtMs = options.capturedAtMs ?? null;
    this.order = new ChunkOrder(options.maxWaitingChunks);
    this.transcriber = new StreamingTranscriber(
      options.recordingId,
      (samples) => this.recognizeWindow(samples),
      {
        sampleRate: SAMPLE_RATE,
        bufferSeconds: options.bufferSeconds,
        ...DEFAULT_WINDOW_OPTIONS,
        speech: options.createSpeechActivity?.(),
      },
    );
    this.decoder = new StreamDecoder({
      format: options.format,
      sampleRate: SAMPLE_RATE,
      onPcm: (samples) => this.transcriber.append(samples),
    });
  }

  /** Seconds of audio decoded so far. */
  get decodedSeconds(): number {
    return this.decoder.decodedSeconds;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Seconds of received audio that no completed recognition has seen. */
  get lagSeconds(): number {
    return Math.max(0, this.transcriber.audioSeconds - this.recognizedThrough);
  }

  /** Milliseconds since the session last did anything, or 0 while it is working. */
  idleMs(now = Date.now()): number {
    return this.busy > 0 || this.recognition ? 0 : now - this.lastActivity;
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
    this.decoder.kill();
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

    for (const c of arrival.chunks) this.decoder.write(c.bytes);
    const startedAt = performance.now();
    if (arrival.chunks.some((c) => c.final)) {
      await this.decoder.end();
      this.options.observer.chunkDecoded?.((performance.now() - startedAt) / 1000);
      // ffmpeg may complain about a stream that simply stopped; only audio that never decoded is an error.
      if (this.decoder.decodedSeconds === 0) this.failIfUndecodable();
      return { kind: 'last_chunk' };
    }
    const audioBefore = this.transcriber.audioSeconds;
    await this.decoder.settle(this.options.settle);
    this.options.observer.chunkDecoded?.((performance.now() - startedAt) / 1000);
    this.failIfUndecodable();
    this.chunksSinceRecognition += arrival.chunks.length;
    return { kind: 'audio', seconds: this.transcriber.audioSeconds - audioBefore };
  }

  private async answer(intake: Intake, arrivedAt: number): Promise<ChunkOutcome> {
    if (intake.kind === 'last_chunk') return this.finish();
    if (
      intake.kind === 'audio' &&
      !this.recognition &&
      this.chunksSinceRecognition >= this.options.everyNChunks
    ) {
      this.shedBacklog();
      const lagging = this.lagSeconds > this.options.maxLagSeconds;
      const recognition = this.startRecognition({ final: false, kind: lagging ? 'final' : 'interim' });
      await settledOrDue(recognition, arrivedAt + intake.seconds * 1000);
    }
    return this.collect(false);
  }

  private async finish(): Promise<ChunkOutcome> {
    try {
      // The interim in progress was read from the same transcript; let it land (or fail) first.
      await this.recognition;
      await this.startRecognition({ final: true, kind: 'final' });
      return this.collect(true);
    } finally {
      this.close();
    }
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
    this.undelivered.push(...update.finals);
    this.shed = true;
  }

  private startRecognition({ final, kind }: { final: boolean; kind: InferenceKind }): Promise<void> {
    this.chunksSinceRecognition = 0;
    this.nextKind = kind;
    const through = this.transcriber.audioSeconds;
    const recognition = this.transcriber.step({ final }).then(
      (update) => {
        this.skipped = false;
        this.recognizedThrough = Math.max(this.recognizedThrough, through);
        this.undelivered.push(...update.finals);
      },
      (error: unknown) => {
        if (error instanceof RecognitionSkipped) this.skipped = true;
        else this.failure = { error };
      },
    );
    const tracked = recognition.finally(() => {
      if (this.recognition === tracked) this.recognition = null;
    });
    this.recognition = tracked;
    return tracked;
  }

  private async recognizeWindow(samples: Float32Array) {
    const startedAt = performance.now();
    const outcome = await this.options.infer({ key: this.options.key, kind: this.nextKind, samples });
    if (outcome.status !== 'recognized') throw new RecognitionSkipped(outcome.status);
    this.recognitionSpeed.add((performance.now() - startedAt) / 1000 / (samples.length / SAMPLE_RATE));
    return outcome.result.words;
  }

  private failIfUndecodable(): void {
    const error = this.decoder.error;
    if (!error) return;
    this.close();
    this.options.observer.audioDecoderFailed?.();
    throw new SessionError('undecodable_audio', error.message);
  }

  /** The answer to a chunk: finals not yet sent, the current interim, and whether recognition is behind. */
  private collect(ended: boolean): ChunkOutcome {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      throw error;
    }
    const finals = this.undelivered;
    this.undelivered = [];
    const shed = this.shed;
    this.shed = false;
    const interim = this.transcriber.currentInterim;
    const outcome: ChunkOutcome = {
      segments: interim ? [...finals, interim] : finals,
      ended,
      behind: this.recognition !== null || this.skipped || shed,
      lagSeconds: this.lagSeconds,
    };
    this.options.observer.answered?.(outcome);
    return outcome;
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
