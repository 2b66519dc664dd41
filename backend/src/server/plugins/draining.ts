import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http-error';

declare module 'fastify' {
  interface FastifyInstance {
    /** A worker of a cluster that is stopping: it finishes what it has and takes nothing new. */
    draining: {
      readonly active: boolean;
      /**
       * Starts the drain; resolves once the open recordings and WebSockets ended, or after `boundMs`
       * (the server's close ends those still open).
       */
      drain(boundMs: number): Promise<void>;
    };
  }
}

const drainingPlugin: FastifyPluginAsync = async (app) => {
  let active = false;
  const open = () => app.sessions.count + app.realtimeSessions.count;
  app.decorate('draining', {
    get active() {
      return active;
    },
    async drain(boundMs: number) {
      active = true;
      const deadline = Date.now() + boundMs;
      while (open() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  });
  // Every WebSocket door at once: a new socket is refused before its upgrade, so its client (or the
  // load balancer, which retries a 503) opens it on another worker; the sockets already open go on.
  app.addHook('onRequest', async (request) => {
    if (active && request.ws) {
      throw new HttpError(503, 'not_ready', 'this worker is stopping; open the WebSocket on another');
    }
  });
};

// After @fastify/websocket, whose own hook marks upgrades (`request.ws`) and closes refused ones.
export default fp(drainingPlugin, { name: 'draining', dependencies: ['@fastify/websocket'] });
