import { HealthResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Recognizer } from '../../engine/types';

export interface HealthRouteOptions {
  recognizer: Recognizer;
  version: string;
}

const healthRoute: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, { recognizer, version }) => {
  app.get('/health', { schema: { response: { 200: HealthResponseSchema } } }, async () => ({
    status: 'ok' as const,
    model: recognizer.modelId,
    device: recognizer.device,
    providers: [...recognizer.providers],
    sessions: app.sessions.count,
    version,
  }));
};

export default healthRoute;
