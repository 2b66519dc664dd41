import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { PipelineMetrics } from '../pipeline-metrics';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: PipelineMetrics;
  }
}

/** The app's Prometheus metrics; the pipeline plugins report into them, GET /metrics reads them. */
const metricsPlugin: FastifyPluginAsync = async (app) => {
  const metrics = new PipelineMetrics();
  app.decorate('metrics', metrics);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined) metrics.requestAnswered(route, reply.elapsedTime / 1000);
  });
};

export default fp(metricsPlugin, { name: 'metrics' });
