import { randomBytes } from 'node:crypto';
import { Pcm16Resampler } from '../audio/pcm16-resampler';
import type { LanguageChoice } from '../engine/language-support';
import { type HeldModel, type RecognitionRequest, recognitionOptions } from '../sessions/held-model';
import { PIPELINE_SAMPLE_RATE, RecordingPipeline } from '../sessions/recording-pipeline';
import type { SessionObserver } from '../sessions/session-observer';
import { PcmBuffer } from '../streaming/pcm-buffer';
import type { FrameClassifier, SpeechActivityFactory } from '../streaming/speech-activity';
import { DEFAULT_TURN_DETECTION, TurnDetector } from '../streaming/turn-detector';
import {
  RealtimeRequestError,
  type ServerEvent,
  type SessionUpdate,
  type TranscriptionSessionConfig,
  type TurnDetectionConfig,
} from './protocol';

export interface RealtimeTranscriptionOptions {
  /**
   * Holds the models named (absent: the server's defaults; a null interim model: none); throws
   * RealtimeRequestError when one is not loaded.
   */
  holdModel(request: RecognitionRequest): HeldModel;
  /** The model the session starts on (the socket's `?model=`); absent: the server's default. */
  model?: string;
  observer: SessionObserver;
  /** Speech gating inside a turn when the client commits (no server VAD). */
  createSpeechActivity?: SpeechActivityFactory;
  /** Silero VAD frames for server-side turn detection; without it only `turn_detection: null` works. */
  createVadStream?: () => FrameClassifier;
  /**
   * Sends a server event. `droppable` events (deltas) may be left out for a client that does not read
   * fast enough; the others (commits, completed transcripts, errors) never are.
   */
  send(event: ServerEvent, droppable: boolean): void;
  /** A turn's audio was transcribed (for the caller's usage). */
  audioTranscribed(seconds: number): void;
  bufferSeconds: number;
  maxLagSeconds: number;
  /** With an interim model, see SessionManagerOptions. */
  maxPendingFinalSeconds: number;
  maxFinalBacklogSeconds: number;
}

/** Default input rate of `audio/pcm` in the Realtime API. */
const DEFAULT_INPUT_RATE = 24_000;
/** A turn is recognized again once this much new audio arrived and no recognition is running. */
const RECOGNIZE_EVERY_SECONDS = 0.3;
/** The API refuses to commit less audio than this. */
const MIN_COMMIT_SECONDS = 0.1;
/** Audio held outside a turn, for the prefix padding of the next one (and classification lag). */
const PREROLL_SECONDS = 10;
/** Appended audio waiting for turn detection; beyond it appends are refused (the client is too fast). */
const MAX_PENDING_SECONDS = 30;

interface Turn {
  itemId: string;
  pipeline: RecordingPipeline;
  /** Absolute sample (at 16 kHz) up to which audio went into the turn. */
  fedThrough: number;
  recognizedAt: number;
  /** Text of the finals sent as deltas so far. */
  text: string[];
  /** Cleared or the session closed: results of recognitions still running are thrown away. */
  discarded: boolean;
}

/**
 * One Realtime transcription session, apart from the socket: audio in (PCM16 at the session's rate,
 * resampled to 16 kHz), turns cut by server VAD or client commits, each turn a recording pipeline on the
 * shared inference queue, and Realtime server events out: committed words as deltas while the turn goes
 * on, and the whole turn's transcript when it is done.
 */
export class RealtimeTranscription {
  readonly config: TranscriptionSessionConfig;
  private model: HeldModel;
  private resampler: Pcm16Resampler;
  private detector: TurnDetector | null = null;
  private readonly preroll = new PcmBuffer(PREROLL_SECONDS * PIPELINE_SAMPLE_RATE);
  private turn: Turn | null = null;
  private previousItemId: string | null = null;
  private intake: Promise<void> = Promise.resolve();
  private completions: Promise<void> = Promise.resolve();
  private pendingSamples = 0;
  private closed = false;

  constructor(private readonly options: RealtimeTranscriptionOptions) {
    this.model = options.holdModel(options.model !== undefined ? { model: options.model } : {});
    const turnDetection: TurnDetectionConfig | null = options.createVadStream
      ? {
          type: 'server_vad',
          threshold: DEFAULT_TURN_DETECTION.threshold,
          prefix_padding_ms: DEFAULT_TURN_DETECTION.prefixPaddingMs,
          silence_duration_ms: DEFAULT_TURN_DETECTION.silenceDurationMs,
        }
      : null;
    this.config = {
      type: 'transcription',
      id: `sess_${randomBytes(12).toString('hex')}`,
      object: 'realtime.transcription_session',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: DEFAULT_INPUT_RATE },
          transcription: {
            model: this.model.id,
            interim_model: this.model.interim?.id ?? null,
            language: this.model.languages.language ?? null,
            target_language: this.model.languages.targetLanguage ?? null,
          },
          turn_detection: turnDetection,
          noise_reduction: null,
        },
      },
      include: [],
    };
    this.resampler = new Pcm16Resampler(DEFAULT_INPUT_RATE, PIPELINE_SAMPLE_RATE);
    this.detector = this.makeDetector(turnDetection);
  }

  /** Applies a session.update; the fields it leaves out keep their values. */
  update({ session }: SessionUpdate): void {
    const input = session.audio?.input;
    const current = this.config.audio.input;
    const transcription = input?.transcription;
    let turnDetection = current.turn_detection;
    if (input?.turn_detection !== undefined) {
      const requested = input.turn_detection;
      if (requested && !this.options.createVadStream) {
        throw new RealtimeRequestError(
          'server_vad_unavailable',
          'server_vad needs Silero VAD, which this server runs without; set turn_detection to null and commit the audio buffer yourself',
          'session.audio.input.turn_detection',
        );
      }
      turnDetection = requested
        ? {
            type: 'server_vad',
            threshold:
              requested.threshold ?? current.turn_detection?.threshold ?? DEFAULT_TURN_DETECTION.threshold,
            prefix_padding_ms:
              requested.prefix_padding_ms ??
              current.turn_detection?.prefix_padding_ms ??
              DEFAULT_TURN_DETECTION.prefixPaddingMs,
            silence_duration_ms:
              requested.silence_duration_ms ??
              current.turn_detection?.silence_duration_ms ??
              DEFAULT_TURN_DETECTION.silenceDurationMs,
          }
        : null;
    }
    // Validated in full before anything changes, so a refused update leaves the session as it was.
    const model = transcription?.model ?? this.model.id;
    const interimModel =
      transcription?.interim_model !== undefined
        ? transcription.interim_model
        : (this.model.interim?.id ?? null);
    const language = transcription?.language ?? current.transcription.language ?? undefined;
    const targetLanguage =
      transcription?.target_language !== undefined
        ? (transcription.target_language ?? undefined)
        : (current.transcription.target_language ?? undefined);
    const sameLanguages =
      language === (this.model.languages.language ?? undefined) &&
      targetLanguage === (this.model.languages.targetLanguage ?? undefined);
    if (model !== this.model.id || interimModel !== (this.model.interim?.id ?? null) || !sameLanguages) {
      const held = this.options.holdModel({
        model,
        interimModel,
        ...(language !== undefined ? { language } : {}),
        ...(targetLanguage !== undefined ? { targetLanguage } : {}),
      });
      this.model.release();
      this.model = held;
    }
    const rate = input?.format?.rate ?? (input?.format ? DEFAULT_INPUT_RATE : current.format.rate);
    if (rate !== current.format.rate) this.resampler = new Pcm16Resampler(rate, PIPELINE_SAMPLE_RATE);
    current.format.rate = rate;
    current.transcription.model = this.model.id;
    current.transcription.interim_model = this.model.interim?.id ?? null;
    current.transcription.language = this.model.languages.language ?? null;
    current.transcription.target_language = this.model.languages.targetLanguage ?? null;
    if (JSON.stringify(turnDetection) !== JSON.stringify(current.turn_detection)) {
      current.turn_detection = turnDetection;
      this.detector = this.makeDetector(turnDetection);
    }
  }

  /** The languages the session's model decodes with. */
  get languages(): LanguageChoice {
    return this.model.languages;
  }

  /** Appends PCM16 audio at the session's input rate. */
  append(pcm16: Uint8Array): void {
    const samples = this.resampler.push(pcm16);
    if (this.pendingSamples + samples.length > MAX_PENDING_SECONDS * PIPELINE_SAMPLE_RATE) {
      throw new RealtimeRequestError(
        'input_audio_buffer_full',
        `more than ${MAX_PENDING_SECONDS} s of audio are waiting to be processed; send audio no faster than real time`,
      );
    }
    this.pendingSamples += samples.length;
    this.enqueue(async () => {
      this.pendingSamples -= samples.length;
      await this.take(samples);
    });
  }

  commit(): void {
    this.enqueue(async () => {
      const turn = this.turn;
      if (!turn || turn.pipeline.audioSeconds < MIN_COMMIT_SECONDS) {
        this.sendError(
          new RealtimeRequestError(
            'input_audio_buffer_commit_empty',
            `buffer too small: at least ${MIN_COMMIT_SECONDS * 1000} ms of audio must be appended before a commit`,
          ),
        );
        return;
      }
      this.detector?.reset();
      this.commitTurn(turn);
    });
  }

  clear(): void {
    this.enqueue(async () => {
      if (this.turn) this.turn.discarded = true;
      this.turn = null;
      this.detector?.reset();
      this.preroll.discardBefore(this.preroll.endSample);
      this.options.send({ type: 'input_audio_buffer.cleared' }, false);
    });
  }

  /** The client is gone: nothing more is recognized or sent. */
  close(): void {
    if (!this.closed) this.model.release();
    this.closed = true;
    if (this.turn) this.turn.discarded = true;
    this.turn = null;
  }

  /** Waits until every event received so far is processed and every committed turn is transcribed. */
  async idle(): Promise<void> {
    await this.intake;
    await this.completions;
  }

  private enqueue(task: () => Promise<void>): void {
    this.intake = this.intake.then(async () => {
      if (this.closed) return;
      try {
        await task();
      } catch (error) {
        this.sendError(error);
      }
    });
  }

  private async take(samples: Float32Array): Promise<void> {
    this.preroll.append(samples);
    if (!this.detector) {
      this.turn ??= this.openTurn(this.preroll.endSample - samples.length);
    } else {
      for (const event of await this.detector.push(samples)) {
        if (event.type === 'started') {
          const turn = this.openTurn(Math.max(event.atSample, this.preroll.startSample));
          this.turn = turn;
          this.options.send(
            {
              type: 'input_audio_buffer.speech_started',
              audio_start_ms: toMs(turn.fedThrough),
              item_id: turn.itemId,
            },
            false,
          );
        } else if (this.turn) {
          const turn = this.turn;
          this.feed(turn, event.atSample);
          this.options.send(
            {
              type: 'input_audio_buffer.speech_stopped',
              audio_end_ms: toMs(event.atSample),
              item_id: turn.itemId,
            },
            false,
          );
          this.commitTurn(turn);
        }
      }
    }
    if (this.turn) {
      this.feed(this.turn, this.preroll.endSample);
      this.recognizeIfDue(this.turn);
    }
  }

  private openTurn(fromSample: number): Turn {
    return {
      itemId: `item_${randomBytes(10).toString('hex')}`,
      pipeline: new RecordingPipeline({
        key: this.config.id,
        recordingId: this.config.id,
        ...recognitionOptions(this.model, this.options),
        bufferSeconds: this.options.bufferSeconds,
        maxLagSeconds: this.options.maxLagSeconds,
        observer: this.options.observer,
        // Server VAD already cut the turn to speech; with client commits, silence is skipped inside it.
        createSpeechActivity: this.detector ? undefined : this.options.createSpeechActivity,
      }),
      fedThrough: fromSample,
      recognizedAt: 0,
      text: [],
      discarded: false,
    };
  }

  /** Moves the held audio up to `untilSample` into the turn. */
  private feed(turn: Turn, untilSample: number): void {
    const from = Math.max(turn.fedThrough, this.preroll.startSample);
    if (untilSample <= from) return;
    const held = this.preroll.read(from);
    turn.pipeline.append(held.subarray(0, untilSample - from));
    turn.fedThrough = untilSample;
  }

  private recognizeIfDue(turn: Turn): void {
    const { pipeline } = turn;
    if (pipeline.recognizing || pipeline.audioSeconds - turn.recognizedAt < RECOGNIZE_EVERY_SECONDS) return;
    turn.recognizedAt = pipeline.audioSeconds;
    void pipeline.recognize()?.then(() => {
      if (!turn.discarded) this.sendDeltas(turn);
    });
  }

  private sendDeltas(turn: Turn): void {
    let update: ReturnType<RecordingPipeline['take']>;
    try {
      update = turn.pipeline.take();
    } catch (error) {
      this.sendError(error);
      return;
    }
    for (const final of update.finals) {
      if (!final.text) continue;
      const delta = turn.text.length > 0 ? ` ${final.text}` : final.text;
      turn.text.push(final.text);
      this.options.send(
        {
          type: 'conversation.item.input_audio_transcription.delta',
          item_id: turn.itemId,
          content_index: 0,
          delta,
        },
        true,
      );
    }
  }

  /** The turn's audio is complete: it becomes an item, and its transcript follows once recognized. */
  private commitTurn(turn: Turn): void {
    this.turn = null;
    this.options.send(
      { type: 'input_audio_buffer.committed', item_id: turn.itemId, previous_item_id: this.previousItemId },
      false,
    );
    this.previousItemId = turn.itemId;
    const finished = turn.pipeline.finish();
    this.completions = this.completions.then(async () => {
      await finished;
      if (turn.discarded || this.closed) return;
      try {
        this.sendDeltas(turn);
        turn.pipeline.take();
      } catch (error) {
        this.options.send(
          {
            type: 'conversation.item.input_audio_transcription.failed',
            item_id: turn.itemId,
            content_index: 0,
            error: { type: 'server_error', code: 'transcription_failed', message: messageOf(error) },
          },
          false,
        );
        return;
      }
      this.options.audioTranscribed(turn.pipeline.audioSeconds);
      this.options.send(
        {
          type: 'conversation.item.input_audio_transcription.completed',
          item_id: turn.itemId,
          content_index: 0,
          transcript: turn.text.join(' '),
          usage: { type: 'duration', seconds: Math.round(turn.pipeline.audioSeconds * 1000) / 1000 },
        },
        false,
      );
    });
  }

  private makeDetector(turnDetection: TurnDetectionConfig | null): TurnDetector | null {
    if (!turnDetection || !this.options.createVadStream) return null;
    return new TurnDetector(this.options.createVadStream(), {
      threshold: turnDetection.threshold,
      prefixPaddingMs: turnDetection.prefix_padding_ms,
      silenceDurationMs: turnDetection.silence_duration_ms,
    });
  }

  private sendError(error: unknown): void {
    this.options.send({ type: 'error', error: errorBody(error) }, false);
  }
}

export function errorBody(error: unknown, eventId: string | null = null) {
  if (error instanceof RealtimeRequestError) {
    return {
      type: 'invalid_request_error' as const,
      code: error.code,
      message: error.message,
      param: error.param,
      event_id: eventId,
    };
  }
  return {
    type: 'server_error' as const,
    code: 'server_error',
    message: messageOf(error),
    param: null,
    event_id: eventId,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toMs(sample: number): number {
  return Math.round((sample / PIPELINE_SAMPLE_RATE) * 1000);
}
