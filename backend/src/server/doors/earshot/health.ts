import { HealthResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { adapterWithMemory } from '../../status/gpu-report';

export interface HealthRouteOptions {
  version: string;
}

/** GET /health: always open; names the default model, the interim model beside it, and the GPU adapter. */
const healthRoute: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, { version }) => {
  app.get('/health', { schema: { response: { 200: HealthResponseSchema } } }, async () => {
    const { id, recognizer } = app.models.default;
    return {
      status: 'ok' as const,
      model: id,
      interim_model: app.models.defaultInterim?.id ?? null,
      device: recognizer.device,
      providers: [...recognizer.providers],
      adapter: await adapterWithMemory(recognizer),
      sessions: app.sessions.count,
      version,
    };
  });
};

export default healthRoute;
