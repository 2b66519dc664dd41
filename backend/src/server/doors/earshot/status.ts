import { StatusResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** GET /status: loaded models and their queues, backpressure, sessions by transport, configuration. */
const statusRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/status',
    {
      schema: {
        summary: 'Loaded models and their queues, backpressure, sessions, configuration',
        tags: ['Earshot'],
        response: { 200: StatusResponseSchema },
      },
    },
    async () => app.status.reportWithGpuMemory(),
  );
};

export default statusRoute;
