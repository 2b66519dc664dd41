import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Recognizer } from '../../engine/types';
import { DEFAULT_SESSION_OPTIONS, SessionManager } from '../../sessions/session-manager';
import { BatchDecoder } from '../../streaming/batch-decoder';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionManager;
  }
}

export interface SessionsPluginOptions {
  recognizer: Recognizer;
  everyNChunks: number;
  idleTimeoutMs: number;
  maxSessions: number;
}

/** The live recordings, shared by the routes; all their decoders stop when the server closes. */
const sessionsPlugin: FastifyPluginAsync<SessionsPluginOptions> = async (app, options) => {
  const batch = new BatchDecoder(options.recognizer);
  const sessions = new SessionManager({
    ...DEFAULT_SESSION_OPTIONS,
    everyNChunks: options.everyNChunks,
    idleTimeoutMs: options.idleTimeoutMs,
    maxSessions: options.maxSessions,
    recognize: async (samples) => (await batch.decode(samples)).words,
  });
  app.decorate('sessions', sessions);
  app.addHook('onClose', async () => sessions.closeAll());
};

export default fp(sessionsPlugin, { name: 'sessions' });
