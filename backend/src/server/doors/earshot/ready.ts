import { ErrorResponseSchema, ReadyResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorBody } from '../../http-error';

/**
 * GET /ready: 200 once the default model (and the interim model beside it) is loaded and warmed up,
 * 503 `not_ready` before (or if a warm-up failed), and while a worker of a cluster is stopping, so its
 * load balancer sends new work elsewhere.
 */
const readyRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 once the default model is loaded and warmed up',
        tags: ['Earshot'],
        security: [],
        response: { 200: ReadyResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (_request, reply) => {
      if (app.draining.active) {
        // How a load balancer tells a stopping worker (keep its open WebSockets) from a dead one.
        return reply
          .code(503)
          .header('x-earshot-draining', 'true')
          .send(errorBody('not_ready', 'this worker is stopping'));
      }
      const { readiness } = app.models;
      if (readiness.ready) return { ready: true as const };
      return reply.code(503).send(errorBody('not_ready', readiness.reason));
    },
  );
};

export default readyRoute;
