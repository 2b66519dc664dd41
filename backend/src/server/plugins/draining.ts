import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** A worker of a cluster that is stopping: it finishes what it has and takes nothing new. */
    draining: { readonly active: boolean; begin(): void };
  }
}

const drainingPlugin: FastifyPluginAsync = async (app) => {
  let active = false;
  app.decorate('draining', {
    get active() {
      return active;
    },
    begin() {
      active = true;
    },
  });
};

export default fp(drainingPlugin, { name: 'draining' });
