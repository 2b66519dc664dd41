import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { EngineError } from '../../engine/errors';
import { parseClientEvent, RealtimeRequestError, type ServerEvent } from '../../realtime/protocol';
import { errorBody, RealtimeTranscription } from '../../realtime/transcription-session';
import type { HeldModel, RecognitionRequest } from '../../sessions/held-model';
import { DEFAULT_SESSION_OPTIONS } from '../../sessions/session-manager';
import type { FrameClassifier, SpeechActivityFactory } from '../../streaming/speech-activity';
import { holdRecognition } from '../hold-recognition';
import { ModelPoolError } from '../model-pool';

export interface RealtimeRouteOptions {
  createSpeechActivity?: SpeechActivityFactory;
  /** Silero VAD frames for `server_vad` turn detection. */
  createVadStream?: () => FrameClassifier;
}

/** Largest frame accepted: about 45 s of 24 kHz PCM16 in base64. */
export const MAX_REALTIME_FRAME_BYTES = 3 * 1024 * 1024;
/** Past this much unsent output, deltas are dropped for the client (finals still go). */
const SLOW_READER_BYTES = 256 * 1024;
/** Past this much unsent output the client is not reading at all, and the socket is closed. */
const STALLED_READER_BYTES = 4 * 1024 * 1024;

/** The session field behind each language refusal of the engine. */
const LANGUAGE_FIELDS: Record<string, string> = {
  unsupported_language: 'language',
  translation_unsupported: 'target_language',
};

/** Holds the models a session names (or the defaults) in the pool while the session uses them. */
function holdTranscriptionModels(app: FastifyInstance, request: RecognitionRequest): HeldModel {
  try {
    return holdRecognition(app.models, request);
  } catch (error) {
    if (error instanceof ModelPoolError) {
      throw new RealtimeRequestError(
        error.code,
        error.message,
        `session.audio.input.transcription.${error.param}`,
      );
    }
    if (error instanceof EngineError && LANGUAGE_FIELDS[error.code]) {
      throw new RealtimeRequestError(
        error.code,
        error.message,
        `session.audio.input.transcription.${LANGUAGE_FIELDS[error.code]}`,
      );
    }
    throw error;
  }
}

/**
 * GET /v1/realtime?intent=transcription: OpenAI Realtime transcription sessions over a WebSocket. The
 * upgrade goes through the app's onRequest hooks (Host and Origin checks, API keys) like any request;
 * @fastify/websocket itself is registered by the app, ahead of those hooks.
 */
const realtimeRoute: FastifyPluginAsyncZod<RealtimeRouteOptions> = async (app, options) => {
  app.get(
    '/v1/realtime',
    {
      websocket: true,
      schema: {
        querystring: z.object({
          intent: z.literal('transcription', {
            errorMap: () => ({ message: 'only intent=transcription sessions are served here' }),
          }),
        }),
      },
    },
    (socket, request) => {
      const sessions = app.realtimeSessions;
      let eventCount = 0;
      const send = (event: ServerEvent, droppable: boolean) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > STALLED_READER_BYTES) {
          socket.close(1008, 'the client is not reading its events');
          return;
        }
        if (droppable && socket.bufferedAmount > SLOW_READER_BYTES) {
          app.metrics.realtimeDeltaDropped();
          return;
        }
        socket.send(JSON.stringify({ event_id: `event_${++eventCount}`, ...event }));
      };
      if (sessions.full) {
        send(
          {
            type: 'error',
            error: errorBody(
              new RealtimeRequestError(
                'too_many_sessions',
                `${sessions.maxSessions} realtime sessions are already open; close one first`,
              ),
            ),
          },
          false,
        );
        socket.close(1013, 'too many sessions');
        return;
      }
      let session: RealtimeTranscription;
      try {
        session = new RealtimeTranscription({
          holdModel: (request) => holdTranscriptionModels(app, request),
          observer: app.metrics,
          createSpeechActivity: options.createSpeechActivity,
          createVadStream: options.createVadStream,
          send,
          audioTranscribed: (seconds) => app.usage.liveAudio(request, seconds),
          bufferSeconds: DEFAULT_SESSION_OPTIONS.bufferSeconds,
          maxLagSeconds: DEFAULT_SESSION_OPTIONS.maxLagSeconds,
          maxPendingFinalSeconds: DEFAULT_SESSION_OPTIONS.maxPendingFinalSeconds,
          maxFinalBacklogSeconds: DEFAULT_SESSION_OPTIONS.maxFinalBacklogSeconds,
        });
      } catch (error) {
        request.log.error({ err: error }, 'realtime session could not start');
        socket.close(1011, 'the session could not start');
        return;
      }
      sessions.add(session);
      send({ type: 'session.created', session: session.config }, false);

      socket.on('message', (data, isBinary) => {
        const bytes = toBuffer(data);
        if (isBinary) {
          handle(() => session.append(bytes), null);
          return;
        }
        let eventId: string | null = null;
        handle(
          () => {
            const event = parseClientEvent(bytes.toString('utf8'));
            eventId = event.event_id ?? null;
            switch (event.type) {
              case 'session.update':
                session.update(event);
                send({ type: 'session.updated', session: session.config }, false);
                return;
              case 'input_audio_buffer.append':
                session.append(Buffer.from(event.audio, 'base64'));
                return;
              case 'input_audio_buffer.commit':
                session.commit();
                return;
              case 'input_audio_buffer.clear':
                session.clear();
                return;
            }
          },
          () => eventId,
        );
      });
      socket.on('close', () => sessions.remove(session));
      socket.on('error', () => sessions.remove(session));

      function handle(work: () => void, eventId: (() => string | null) | null) {
        try {
          work();
        } catch (error) {
          send({ type: 'error', error: errorBody(error, eventId?.() ?? null) }, false);
        }
      }
    },
  );
};

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export default realtimeRoute;
