import type { AsrStreamRequest, Segment } from '@earshot/shared';
import type { ContainerFormat, SettleOptions } from '../audio/stream-decoder';
import type { SpeechActivityFactory } from '../streaming/speech-activity';
import { type HeldModel, type RecognitionRequest, recognitionOptions } from './held-model';
import { SessionError } from './session-error';
import type { SessionObserver } from './session-observer';
import { StreamSession } from './stream-session';

export interface SessionManagerOptions {
  /**
   * Takes hold of the models a new recording names (undefined: the server's defaults; a null interim
   * model: none); its windows go to their inference queues. Throws when a model cannot be had.
   */
  holdModel(request: RecognitionRequest): HeldModel;
  everyNChunks: number;
  /** Sessions without a chunk for this long are closed and their decoder stopped. */
  idleTimeoutMs: number;
  maxSessions: number;
  maxWaitingChunks: number;
  bufferSeconds: number;
  /**
   * Once a session has this much audio unrecognized, its next recognition may not be dropped, and a
   * window that would take longer than this to recognize is cut to its newest audio.
   */
  maxLagSeconds: number;
  settle: SettleOptions;
  observer?: SessionObserver;
  /** Voice activity detection per recording; without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
  /** With an interim model: per recording, see RecordingPipelineOptions.quality. */
  maxPendingFinalSeconds: number;
  /**
   * With an interim model: once the final model's queue holds this many engine seconds of finals (all
   * recordings together), new stretches keep the interim model's words.
   */
  maxFinalBacklogSeconds: number;
}

export const DEFAULT_SESSION_OPTIONS: Omit<SessionManagerOptions, 'holdModel'> = {
  everyNChunks: 1,
  idleTimeoutMs: 60_000,
  maxSessions: 16,
  maxWaitingChunks: 8,
  bufferSeconds: 60,
  maxLagSeconds: 2,
  maxPendingFinalSeconds: 6,
  maxFinalBacklogSeconds: 2,
  settle: { quietMs: 30, maxWaitMs: 400 },
};

export interface StreamChunk {
  request: Omit<AsrStreamRequest, 'audio_b64'>;
  bytes: Uint8Array;
}

export interface ChunkAnswer {
  segments: Segment[];
  /** Answered without recognizing the audio received so far, because recognition is behind. */
  behind: boolean;
  /** Seconds of the recording's audio received but not yet recognized. */
  lagSeconds: number;
  /** Seconds of the recording's audio decoded since its previous answer (what live usage counts). */
  audioSeconds: number;
  /** Dual captions: the spoken language's segments. */
  originalSegments?: Segment[];
}

/** All live recordings, keyed by (user_id, tab_id, recording_id). */
export class SessionManager {
  private readonly sessions = new Map<string, StreamSession>();
  private readonly heldModels = new Map<StreamSession, HeldModel>();
  private readonly answeredSeconds = new WeakMap<StreamSession, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly observer: SessionObserver;

  constructor(private readonly options: SessionManagerOptions) {
    this.observer = options.observer ?? {};
    const every = Math.max(50, Math.min(5_000, Math.floor(options.idleTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.closeIdle(), every);
    this.sweeper.unref();
  }

  get count(): number {
    return this.sessions.size;
  }

  /** The languages each open recording chose. */
  languagesChosen(): { language?: string; targetLanguage?: string; dual: boolean }[] {
    return [...this.heldModels.values()].map((held) => ({
      ...held.languages,
      dual: held.original !== undefined,
    }));
  }

  async receive({ request, bytes }: StreamChunk): Promise<ChunkAnswer> {
    const recordingId = request.recording_id ?? 'default';
    const key = JSON.stringify([request.user_id, request.tab_id, recordingId]);
    const session = this.sessions.get(key) ?? this.open(key, recordingId, request);
    const held = this.heldModels.get(session);
    const model = held?.id;
    if (request.model !== undefined && request.model !== model) {
      throw new SessionError(
        'session_conflict',
        `recording "${recordingId}" is recognized by model ${model} until it ends; start a new recording to use ${request.model}`,
      );
    }
    const interim = held?.interim?.id ?? null;
    if (request.interim_model !== undefined && request.interim_model !== interim) {
      throw new SessionError(
        'session_conflict',
        `recording "${recordingId}" has ${interim === null ? 'no interim model' : `interim model ${interim}`} until it ends; start a new recording to change it`,
      );
    }
    const languages = held?.languages ?? {};
    const changed = [
      request.language !== undefined && request.language !== languages.language && 'language',
      request.target_language !== undefined &&
        request.target_language !== (languages.targetLanguage ?? languages.language) &&
        'target_language',
    ].filter(Boolean);
    if (changed.length > 0) {
      throw new SessionError(
        'session_conflict',
        `recording "${recordingId}" keeps its ${changed.join(' and ')} until it ends; start a new recording to change it`,
      );
    }
    try {
      const outcome = await session.receive({ seq: request.seq, bytes, final: request.final === true });
      const decoded = session.decodedSeconds;
      const audioSeconds = decoded - (this.answeredSeconds.get(session) ?? 0);
      this.answeredSeconds.set(session, decoded);
      if (outcome.ended) this.forget(key, session);
      return {
        segments: outcome.segments,
        behind: outcome.behind,
        lagSeconds: outcome.lagSeconds,
        audioSeconds,
        ...(outcome.originalSegments ? { originalSegments: outcome.originalSegments } : {}),
      };
    } catch (error) {
      if (session.isClosed) this.forget(key, session);
      throw error;
    }
  }

  /** Closes sessions that have been idle longer than the timeout. */
  closeIdle(now = Date.now()): void {
    for (const [key, session] of this.sessions) {
      if (session.idleMs(now) >= this.options.idleTimeoutMs) {
        session.close();
        this.forget(key, session);
      }
    }
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    for (const held of this.heldModels.values()) held.release();
    this.heldModels.clear();
    this.observer.sessionsChanged?.(0);
  }

  private open(key: string, recordingId: string, request: StreamChunk['request']): StreamSession {
    if (request.seq > 0) {
      throw new SessionError(
        'recording_restart_required',
        `no recording "${recordingId}" is open for this tab (the server may have restarted); restart the recording from seq 0`,
      );
    }
    if (this.sessions.size >= this.options.maxSessions) {
      throw new SessionError(
        'too_many_sessions',
        `${this.options.maxSessions} recordings are already open; stop one before starting another`,
      );
    }
    const format = containerFormat(request.mime_type);
    const held = this.options.holdModel({
      ...(request.model !== undefined ? { model: request.model } : {}),
      ...(request.interim_model !== undefined ? { interimModel: request.interim_model } : {}),
      ...(request.language !== undefined ? { language: request.language } : {}),
      ...(request.target_language !== undefined ? { targetLanguage: request.target_language } : {}),
      ...(request.dual ? { dual: true } : {}),
    });
    const session = new StreamSession({
      key,
      recordingId,
      format,
      ...recognitionOptions(held, this.options),
      ...(held.original ? { original: held.original } : {}),
      everyNChunks: this.options.everyNChunks,
      maxWaitingChunks: this.options.maxWaitingChunks,
      bufferSeconds: this.options.bufferSeconds,
      maxLagSeconds: this.options.maxLagSeconds,
      settle: this.options.settle,
      capturedAtMs: request.captured_at_ms,
      observer: this.observer,
      createSpeechActivity: this.options.createSpeechActivity,
    });
    this.sessions.set(key, session);
    this.heldModels.set(session, held);
    this.observer.sessionsChanged?.(this.sessions.size);
    return session;
  }

  private forget(key: string, session: StreamSession): void {
    if (this.sessions.get(key) !== session) return;
    this.sessions.delete(key);
    this.heldModels.get(session)?.release();
    this.heldModels.delete(session);
    this.observer.sessionsChanged?.(this.sessions.size);
  }
}

function containerFormat(mimeType: string): ContainerFormat {
  const type = mimeType.split(';')[0]?.trim().toLowerCase();
  if (type === 'audio/webm' || type === 'video/webm') return 'matroska';
  if (type === 'audio/ogg') return 'ogg';
  throw new SessionError(
    'unsupported_media_type',
    `mime_type "${mimeType}" is not supported; send audio/webm (opus) from MediaRecorder`,
  );
}
