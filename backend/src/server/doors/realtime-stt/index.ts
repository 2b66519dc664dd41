import { randomBytes } from 'node:crypto';
import type { BackpressureLevel } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { holdRecognition } from '../../hold-recognition';
import { liveStreamOptions } from '../../live-stream-options';
import { checkTask } from '../../model-task';
import { frameBytes, socketSender } from '../../socket-sender';
import { backpressureLevel } from '../../status/backpressure';
import { SttConnection } from './connection';
import { parseControl, type SttBackpressure } from './messages';

/** Earshot's backpressure levels under the names of the original server's watermarks. */
const STT_LEVEL: Record<BackpressureLevel, SttBackpressure> = {
  normal: 'normal',
  shedding_interims: 'high',
  cutting_windows: 'critical',
};
/** How often the backpressure level is looked at while clients are connected. */
const BACKPRESSURE_CHECK_MS = 500;

/**
 * The realtime STT server's WebSocket, `GET /ws`: binary PCM16 mono 16 kHz frames and JSON control
 * messages in; interims, finals and status changes out. Each stream is a recording pipeline on the
 * server's default model (with its interim model beside it where `--interim-model` is set). The upgrade
 * passes the same Host, Origin, API key and frame size rules as every other route.
 */
const realtimeSttDoor: FastifyPluginAsyncZod = async (app) => {
  const connections = new Set<SttConnection>();
  let watch: NodeJS.Timeout | null = null;
  const currentLevel = () =>
    STT_LEVEL[
      backpressureLevel(
        app.models.list().map((m) => m.queue),
        app.metrics.lastWindowCutAt,
      )
    ];
  const watchBackpressure = () => {
    if (connections.size === 0) {
      if (watch) clearInterval(watch);
      watch = null;
      return;
    }
    watch ??= setInterval(() => {
      const level = currentLevel();
      for (const connection of connections) connection.backpressure(level);
    }, BACKPRESSURE_CHECK_MS);
    watch.unref();
  };
  app.addHook('onClose', async () => {
    if (watch) clearInterval(watch);
  });

  app.get(
    '/ws',
    {
      websocket: true,
      schema: {
        summary: 'Realtime STT server: live transcription over a WebSocket (binary PCM16 + JSON control)',
        description:
          'Upgrade to a WebSocket. Send PCM16 mono 16 kHz audio as binary frames (20–60 ms each) and ' +
          '{"event": "start" | "stop" | "set"} as text; receive {"type": "interim" | "final" | "status"} messages.',
        tags: ['Realtime STT server'],
      },
    },
    (socket, request) => {
      const sessions = app.realtimeSessions;
      const send = socketSender(socket, () => app.metrics.realtimeDeltaDropped());
      const conn = `conn_${randomBytes(8).toString('hex')}`;
      if (sessions.full) {
        send(
          {
            type: 'error',
            conn,
            code: 'too_many_sessions',
            message: `${sessions.maxSessions} live sessions are already open; try again when one has closed`,
          },
          false,
        );
        socket.close(1013, 'too many sessions');
        return;
      }
      const connection = new SttConnection({
        conn,
        holdModel: () => holdRecognition(app.models, {}),
        checkLanguage: (modelId, language) =>
          checkTask(app.models.get(modelId).recognizer, 'transcribe', language ? { language } : {}).report,
        ...liveStreamOptions(app, request),
        ...(app.voiceActivity.createSpeechActivity
          ? { createSpeechActivity: app.voiceActivity.createSpeechActivity }
          : {}),
        send,
        backpressure: currentLevel(),
      });
      sessions.add(connection);
      connections.add(connection);
      // The client learns the level it starts under; later only its changes.
      send(connection.status(), false);
      watchBackpressure();

      socket.on('message', (data, isBinary) => {
        const bytes = frameBytes(data);
        if (isBinary) {
          connection.audio(bytes);
          return;
        }
        try {
          connection.control(parseControl(bytes.toString('utf8')));
        } catch (error) {
          const { code = 'invalid_value', message } = error as { code?: string; message: string };
          send({ type: 'error', conn, code, message }, false);
        }
      });
      const closed = () => {
        sessions.remove(connection);
        connections.delete(connection);
        watchBackpressure();
      };
      socket.on('close', closed);
      socket.on('error', closed);
    },
  );
};

export default realtimeSttDoor;
