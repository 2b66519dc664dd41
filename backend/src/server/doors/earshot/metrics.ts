import type { FastifyPluginAsync } from 'fastify';

/** GET /metrics: the app's Prometheus metrics in the text exposition format. */
const metricsRoute: FastifyPluginAsync = async (app) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['Earshot'] } },
    async (_request, reply) => {
      const { registry } = app.metrics;
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

export default metricsRoute;
