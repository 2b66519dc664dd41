import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_SESSION_OPTIONS, SessionManager } from '../../sessions/session-manager';
import type { SpeechActivityFactory } from '../../streaming/speech-activity';
import { holdRecognition } from '../hold-recognition';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionManager;
  }
}

export interface SessionsPluginOptions {
  everyNChunks: number;
  idleTimeoutMs: number;
  maxSessions: number;
  /** Voice activity detection per recording; without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
}

/** The live recordings, shared by the routes; all their decoders stop when the server closes. */
const sessionsPlugin: FastifyPluginAsync<SessionsPluginOptions> = async (app, options) => {
  const sessions = new SessionManager({
    ...DEFAULT_SESSION_OPTIONS,
    everyNChunks: options.everyNChunks,
    idleTimeoutMs: options.idleTimeoutMs,
    maxSessions: options.maxSessions,
    holdModel: (request) => holdRecognition(app.models, request),
    observer: app.metrics,
    createSpeechActivity: options.createSpeechActivity,
  });
  app.decorate('sessions', sessions);
  app.addHook('onClose', async () => sessions.closeAll());
};

export default fp(sessionsPlugin, { name: 'sessions', dependencies: ['metrics', 'models'] });
