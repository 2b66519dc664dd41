import { HealthResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { adapterWithMemory } from '../../status/gpu-report';
import { reverbGpu } from '../reverb/health-fields';

export interface HealthRouteOptions {
  version: string;
}

/**
 * GET /health: always open; names the default model, the interim model beside it, and the GPU adapter,
 * with the fields the Reverb and NVIDIA services' clients read there (`model_loaded`, `model_name`, `gpu`).
 */
const healthRoute: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, { version }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness, the default model and its device',
        tags: ['Earshot'],
        security: [],
        response: { 200: HealthResponseSchema },
      },
    },
    async () => {
      const { id, recognizer } = app.models.default;
      const adapter = await adapterWithMemory(recognizer);
      return {
        status: 'ok' as const,
        model: id,
        interim_model: app.models.defaultInterim?.id ?? null,
        device: recognizer.device,
        providers: [...recognizer.providers],
        adapter,
        sessions: app.sessions.count,
        version,
        // The server listens only once its default model is loaded.
        model_loaded: true,
        model_name: id,
        gpu: await reverbGpu(recognizer, adapter),
      };
    },
  );
};

export default healthRoute;
