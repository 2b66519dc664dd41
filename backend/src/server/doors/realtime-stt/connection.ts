import type { Word } from '@earshot/shared';
import { Pcm16Resampler } from '../../../audio/pcm16-resampler';
import { type HeldModel, recognitionOptions } from '../../../sessions/held-model';
import { PIPELINE_SAMPLE_RATE, RecordingPipeline } from '../../../sessions/recording-pipeline';
import type { SessionObserver } from '../../../sessions/session-observer';
import type { TranscriptUpdate } from '../../../sessions/transcript-outbox';
import type { SpeechActivityFactory } from '../../../streaming/speech-activity';
import type { ControlMessage, SttBackpressure, SttMessage } from './messages';

export interface SttConnectionOptions {
  /** The connection's id, in every interim and final. */
  conn: string;
  /** Holds the server's default models (with the interim model beside them where one is set). */
  holdModel(): HeldModel;
  /**
   * Checks a stream's language against the model (`undefined`: auto) and returns the language to
   * report; throws what the client is told when the model cannot hear it.
   */
  checkLanguage(modelId: string, language: string | undefined): string;
  observer: SessionObserver;
  createSpeechActivity?: SpeechActivityFactory;
  /** Sends a message; `droppable` ones (interims) may be left out for a client that does not read. */
  send(message: SttMessage, droppable: boolean): void;
  /** A stream's audio was transcribed (for the caller's usage). */
  audioTranscribed(seconds: number): void;
  /** The server's backpressure when the client connects. */
  backpressure: SttBackpressure;
  bufferSeconds: number;
  maxLagSeconds: number;
  maxPendingFinalSeconds: number;
  maxFinalBacklogSeconds: number;
  /** Wall clock in milliseconds (tests pin it). */
  now?: () => number;
}

/** Interims a second the server sends unless the client sets another rate (the original's 220 ms cooldown). */
export const DEFAULT_INTERIM_COOLDOWN_MS = 220;
/**
 * Words held in the utterance are sent as a final once the speech pauses (no open words) or once they
 * span this long, so a final never waits longer than this on speech that does not pause.
 */
export const MAX_UTTERANCE_SECONDS = 7;

interface Stream {
  held: HeldModel;
  pipeline: RecordingPipeline;
  resampler: Pcm16Resampler;
  language: string;
  /** Wall clock (Unix seconds) at the stream's first sample: t0 and t1 count from it. */
  epoch: number;
  /** Final words of the utterance not yet sent as a final; the interim's stable start. */
  utterance: Word[];
  lastInterim: { text: string; at: number } | null;
  failed: boolean;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * One `/ws` client of the realtime STT server's protocol, apart from the socket: PCM16 at 16 kHz goes
 * into a recording pipeline on the shared inference queues (the fast/final pair where the server has
 * one), and its results leave as the protocol's messages: the utterance so far as interims (its
 * committed part counted as stable), and the utterance as a final once the speech pauses.
 */
export class SttConnection {
  private stream: Stream | null = null;
  private work: Promise<void> = Promise.resolve();
  private cooldownMs = DEFAULT_INTERIM_COOLDOWN_MS;
  private level: SttBackpressure;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: SttConnectionOptions) {
    this.now = options.now ?? Date.now;
    this.level = options.backpressure;
  }

  /** The status message as it stands: backpressure, the interim cooldown it implies, the utterance bound. */
  status(): Extract<SttMessage, { type: 'status' }> {
    return {
      type: 'status',
      backpressure: this.level,
      cooldown_ms: this.effectiveCooldownMs(),
      tail_s: MAX_UTTERANCE_SECONDS,
      interim_paused: this.level === 'critical',
    };
  }

  /** The server's backpressure level; a change is reported to the client. */
  backpressure(level: SttBackpressure): void {
    if (level === this.level) return;
    this.level = level;
    this.options.send(this.status(), false);
  }

  control(message: ControlMessage): void {
    switch (message.event) {
      case 'start':
        this.enqueue(async () => {
          if (this.stream) await this.finish();
          // `auto`: the model's own language, or the one it detects.
          this.open(message.language === 'auto' ? undefined : message.language);
        });
        return;
      case 'stop':
        this.enqueue(() => this.finish());
        return;
      case 'set':
        this.cooldownMs = Math.round(1000 / message.interimRate);
        this.options.send(this.status(), false);
        return;
    }
  }

  /** PCM16 mono at 16 kHz; audio before a `start` starts a stream in the language `auto`. */
  audio(bytes: Uint8Array): void {
    this.enqueue(async () => {
      const stream = this.stream ?? this.open(undefined);
      if (!stream) return;
      stream.pipeline.append(stream.resampler.push(bytes));
      const recognition = stream.pipeline.recognize();
      void recognition?.then(() => this.deliver(stream, false));
    });
  }

  /** The client is gone: the stream's audio so far is counted, its models released, nothing more sent. */
  close(): void {
    this.closed = true;
    const stream = this.stream;
    this.stream = null;
    if (!stream) return;
    this.options.audioTranscribed(stream.pipeline.audioSeconds);
    stream.held.release();
  }

  /** Waits until every message received so far has been handled (and a stop's final sent). */
  async idle(): Promise<void> {
    await this.work;
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.work = this.work.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (error) {
        this.sendError(error);
      }
    });
  }

  private open(language: string | undefined): Stream | null {
    const held = this.options.holdModel();
    let reported: string;
    try {
      reported = this.options.checkLanguage(held.id, language);
    } catch (error) {
      held.release();
      throw error;
    }
    const stream: Stream = {
      held,
      pipeline: new RecordingPipeline({
        key: this.options.conn,
        recordingId: this.options.conn,
        ...recognitionOptions(held, this.options),
        bufferSeconds: this.options.bufferSeconds,
        maxLagSeconds: this.options.maxLagSeconds,
        observer: this.options.observer,
        createSpeechActivity: this.options.createSpeechActivity,
      }),
      resampler: new Pcm16Resampler(PIPELINE_SAMPLE_RATE, PIPELINE_SAMPLE_RATE),
      language: reported,
      epoch: this.now() / 1000,
      utterance: [],
      lastInterim: null,
      failed: false,
    };
    this.stream = stream;
    return stream;
  }

  /** Recognizes what is left of the stream, sends the utterance as a final, and releases the models. */
  private async finish(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.stream = null;
    try {
      await stream.pipeline.finish();
      this.deliver(stream, true);
      this.options.audioTranscribed(stream.pipeline.audioSeconds);
    } finally {
      stream.held.release();
    }
  }

  /** Takes what the pipeline has and sends it: finals close the utterance at a pause, else an interim. */
  private deliver(stream: Stream, ending: boolean): void {
    if (this.closed || stream.failed) return;
    let update: TranscriptUpdate;
    try {
      update = stream.pipeline.take();
    } catch (error) {
      stream.failed = true;
      this.sendError(error);
      return;
    }
    for (const final of update.finals) stream.utterance.push(...final.words);
    const open = update.interim?.words ?? [];
    const span = (words: Word[]) =>
      words.length === 0 ? 0 : (words.at(-1) as Word).end_seconds - (words[0] as Word).start_seconds;
    if (
      stream.utterance.length > 0 &&
      (ending || open.length === 0 || span(stream.utterance) >= MAX_UTTERANCE_SECONDS)
    ) {
      this.sendFinal(stream, stream.utterance);
      stream.utterance = [];
      stream.lastInterim = null;
    }
    if (!ending && open.length > 0) this.sendInterim(stream, open);
  }

  private sendFinal(stream: Stream, words: Word[]): void {
    const first = words[0] as Word;
    const last = words.at(-1) as Word;
    this.options.send(
      {
        type: 'final',
        conn: this.options.conn,
        text: words.map((w) => w.word).join(' '),
        segments: words.map((w) => ({
          start: round(w.start_seconds - first.start_seconds),
          end: round(w.end_seconds - first.start_seconds),
          text: w.word,
        })),
        language: stream.language,
        t0: round(stream.epoch + first.start_seconds),
        t1: round(stream.epoch + last.end_seconds),
      },
      false,
    );
  }

  /** The utterance so far: its final words are stable, the open ones may still change. */
  private sendInterim(stream: Stream, open: Word[]): void {
    if (this.level === 'critical') return;
    const stable = stream.utterance.map((w) => w.word).join(' ');
    const text = [stable, ...open.map((w) => w.word)].filter(Boolean).join(' ');
    const at = this.now();
    const last = stream.lastInterim;
    if (last && (last.text === text || at - last.at < this.effectiveCooldownMs())) return;
    stream.lastInterim = { text, at };
    const words = [...stream.utterance, ...open];
    this.options.send(
      {
        type: 'interim',
        conn: this.options.conn,
        text,
        stable_chars: stable.length,
        t0: round(stream.epoch + (words[0] as Word).start_seconds),
        t1: round(stream.epoch + (words.at(-1) as Word).end_seconds),
      },
      true,
    );
  }

  /** Under high backpressure interims come half as often. */
  private effectiveCooldownMs(): number {
    return this.level === 'high' ? this.cooldownMs * 2 : this.cooldownMs;
  }

  private sendError(error: unknown): void {
    const { code, message } = describeError(error);
    this.options.send({ type: 'error', conn: this.options.conn, code, message }, false);
  }
}

function describeError(error: unknown): { code: string; message: string } {
  const coded = error as { code?: unknown; message?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof coded?.code === 'string' ? coded.code : 'server_error', message };
}
