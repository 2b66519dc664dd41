import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
/** A live WebSocket session of any door: closing it stops its recognition and releases its models. */
export interface SocketSession {
  close(): void;
  /** The languages it chose, where its door lets a session choose them (OpenAI's realtime). */
  readonly languages?: { language?: string; targetLanguage?: string };
}

/** The open WebSocket sessions of every door; all of them stop when the server closes. */
export class RealtimeSessions {
  private readonly open = new Set<SocketSession>();

  constructor(readonly maxSessions: number) {}

  get count(): number {
    return this.open.size;
  }

  /** The languages each open session chose. */
  languagesChosen(): { language?: string; targetLanguage?: string; dual: boolean }[] {
    return [...this.open].map((session) => ({ ...(session.languages ?? {}), dual: false }));
  }

  get full(): boolean {
    return this.open.size >= this.maxSessions;
  }

  add(session: SocketSession): void {
    this.open.add(session);
  }

  remove(session: SocketSession): void {
    session.close();
    this.open.delete(session);
  }

  closeAll(): void {
    for (const session of this.open) session.close();
    this.open.clear();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    realtimeSessions: RealtimeSessions;
  }
}

const realtimeSessionsPlugin: FastifyPluginAsync<{ maxSessions: number }> = async (app, options) => {
  const sessions = new RealtimeSessions(options.maxSessions);
  app.decorate('realtimeSessions', sessions);
  app.addHook('onClose', async () => sessions.closeAll());
};

export default fp(realtimeSessionsPlugin, { name: 'realtime-sessions' });
