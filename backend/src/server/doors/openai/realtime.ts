import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseClientEvent, RealtimeRequestError, type ServerEvent } from '../../../realtime/protocol';
import { errorBody, RealtimeTranscription } from '../../../realtime/transcription-session';
import type { HeldModel, RecognitionRequest } from '../../../sessions/held-model';
import { holdRecognition } from '../../hold-recognition';
import { liveStreamOptions } from '../../live-stream-options';
import { ModelPoolError } from '../../model-pool';
import { languageRefusal } from '../../model-task';
import { frameBytes, socketSender } from '../../socket-sender';
import { OPENAI_DEFAULT_MODEL } from './audio-fields';

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
    const language = languageRefusal(error);
    if (language) {
      throw new RealtimeRequestError(
        language.code,
        language.message,
        `session.audio.input.transcription.${language.field}`,
      );
    }
    throw error;
  }
}

/**
 * How a client opens a session: openai 7.x sends `?intent=transcription`, 6.x (what Node 20 gets) and
 * other clients written before it `?model=<id>`; both mean a transcription session, the only kind a
 * transcription server has. A `call_id` (sideband control of a call) has nothing to attach to here.
 */
const RealtimeQuerySchema = z
  .object({
    intent: z
      .literal('transcription', {
        errorMap: () => ({ message: 'only intent=transcription sessions are served here' }),
      })
      .optional(),
    model: z.string().min(1).max(256).optional(),
    call_id: z
      .undefined({
        errorMap: () => ({
          message:
            'this server has no calls to attach to; open a transcription session with ?intent=transcription',
        }),
      })
      .optional(),
  })
  .refine((query) => query.intent !== undefined || query.model !== undefined, {
    message: 'open a transcription session with ?intent=transcription or ?model=<model id>',
    path: ['intent'],
  });

/**
 * GET /v1/realtime?intent=transcription (or ?model=<id>): OpenAI Realtime transcription sessions over a WebSocket. The
 * upgrade goes through the app's onRequest hooks (Host and Origin checks, API keys) like any request;
 * @fastify/websocket itself is registered by the app, ahead of those hooks.
 */
const realtimeRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/realtime',
    {
      websocket: true,
      schema: {
        summary: 'OpenAI Realtime: a transcription session over a WebSocket',
        tags: ['OpenAI'],
        description:
          'Open with ?intent=transcription (openai 7.x) or ?model=<a loaded model id, or whisper-1 for the default> ' +
          '(openai 6.x, and other clients of the GA API): a transcription session either way.',
        querystring: RealtimeQuerySchema,
      },
    },
    (socket, request) => {
      const sessions = app.realtimeSessions;
      let eventCount = 0;
      // Deltas may be dropped for a slow reader; commits, transcripts and errors never are.
      const sendJson = socketSender(socket, () => app.metrics.realtimeDeltaDropped());
      const send = (event: ServerEvent, droppable: boolean) =>
        sendJson({ event_id: `event_${++eventCount}`, ...event }, droppable);
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
      const { model } = request.query;
      let session: RealtimeTranscription;
      try {
        session = new RealtimeTranscription({
          holdModel: (request) => holdTranscriptionModels(app, request),
          ...(model !== undefined && model !== OPENAI_DEFAULT_MODEL ? { model } : {}),
          ...liveStreamOptions(app, request),
          ...app.voiceActivity,
          send,
        });
      } catch (error) {
        if (error instanceof RealtimeRequestError) {
          // The model the socket names is not served: said in the Realtime error shape, then closed.
          send(
            { type: 'error', error: errorBody(new RealtimeRequestError(error.code, error.message, 'model')) },
            false,
          );
          socket.close(1008, 'the model is not served here');
          return;
        }
        request.log.error({ err: error }, 'realtime session could not start');
        socket.close(1011, 'the session could not start');
        return;
      }
      sessions.add(session);
      send({ type: 'session.created', session: session.config }, false);

      socket.on('message', (data, isBinary) => {
        const bytes = frameBytes(data);
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

export default realtimeRoute;
