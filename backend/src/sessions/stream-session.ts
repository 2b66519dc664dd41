import type { Segment } from '@earshot/shared';
import { type ContainerFormat, type SettleOptions, StreamDecoder } from '../audio/stream-decoder';
import {
  StreamingTranscriber,
  type TranscriptUpdate,
  type WindowRecognizer,
} from '../streaming/streaming-transcriber';
import { type Chunk, ChunkOrder } from './chunk-order';
import { SessionError } from './session-error';

export interface StreamSessionOptions {
  /** Names the recording in segment ids. */
  recordingId: string;
  format: ContainerFormat;
  recognize: WindowRecognizer;
  /** Run the recognizer after this many new chunks. */
  everyNChunks: number;
  /** Chunks that may wait ahead of a missing one before the recording is given up. */
  maxWaitingChunks: number;
  bufferSeconds: number;
  settle: SettleOptions;
  capturedAtMs?: number;
}

export interface ChunkOutcome {
  /** Newly final segments, then the current interim segment if there is one. */
  segments: Segment[];
  /** The session ended (its last chunk was processed); later chunks of the recording are refused. */
  ended: boolean;
}

const SAMPLE_RATE = 16_000;
/** Requests of one recording queued at once; more means a misbehaving client, not a slow server. */
const MAX_CHUNKS_IN_FLIGHT = 16;

/**
 * One recording of one tab: its chunks are put back in order, fed to a persistent ffmpeg decoder, and
 * the decoded audio goes through the streaming policy. Calls are processed one at a time.
 */
export class StreamSession {
  readonly capturedAtMs: number | null;
  private readonly decoder: StreamDecoder;
  private readonly transcriber: StreamingTranscriber;
  private readonly order: ChunkOrder;
  private tail: Promise<unknown> = Promise.resolve();
  private chunksSinceRecognition = 0;
  private closed = false;
  private busy = 0;
  private lastActivity = Date.now();

  constructor(private readonly options: StreamSessionOptions) {
    this.capturedAtMs = options.capturedAtMs ?? null;
    this.order = new ChunkOrder(options.maxWaitingChunks);
    this.transcriber = new StreamingTranscriber(options.recordingId, options.recognize, {
      sampleRate: SAMPLE_RATE,
      bufferSeconds: options.bufferSeconds,
      minWindowSeconds: 0.3,
    });
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

  /** Milliseconds since the session last did anything, or 0 while it is working. */
  idleMs(now = Date.now()): number {
    return this.busy > 0 ? 0 : now - this.lastActivity;
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
    const run = this.tail.then(() => this.process(chunk));
    this.tail = run.catch(() => {});
    return run.finally(() => {
      this.busy--;
      this.lastActivity = Date.now();
    });
  }

  /** Stops the decoder; later chunks are refused. */
  close(): void {
    this.closed = true;
    this.decoder.kill();
  }

  private async process(chunk: Chunk): Promise<ChunkOutcome> {
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
        return this.outcome({ finals: [], interim: this.transcriber.currentInterim }, false);
      case 'gap_too_long':
        this.close();
        throw new SessionError(
          'recording_restart_required',
          `chunk seq ${arrival.missing} never arrived, so the audio stream is broken; restart the recording`,
        );
    }

    for (const c of arrival.chunks) this.decoder.write(c.bytes);
    if (arrival.chunks.some((c) => c.final)) return this.finish();

    await this.decoder.settle(this.options.settle);
    this.failIfUndecodable();
    this.chunksSinceRecognition += arrival.chunks.length;
    if (this.chunksSinceRecognition < this.options.everyNChunks) {
      return this.outcome({ finals: [], interim: this.transcriber.currentInterim }, false);
    }
    this.chunksSinceRecognition = 0;
    return this.outcome(await this.transcriber.step({ final: false }), false);
  }

  private async finish(): Promise<ChunkOutcome> {
    await this.decoder.end();
    // ffmpeg may complain about a stream that simply stopped; only audio that never decoded is an error.
    if (this.decoder.decodedSeconds === 0) this.failIfUndecodable();
    try {
      return this.outcome(await this.transcriber.step({ final: true }), true);
    } finally {
      this.close();
    }
  }

  private failIfUndecodable(): void {
    const error = this.decoder.error;
    if (!error) return;
    this.close();
    throw new SessionError('undecodable_audio', error.message);
  }

  private outcome(update: TranscriptUpdate, ended: boolean): ChunkOutcome {
    const segments = update.interim ? [...update.finals, update.interim] : update.finals;
    return { segments, ended };
  }
}
