import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeModel, ModelObjectSchema } from '../openai/models';

const SwitchBodySchema = z.object({
  model_id: z.string().min(1).max(256).describe('the model requests that name none get from now on'),
});

/**
 * The MVP STT stack's `POST /v1/models/switch`: makes a model the default, loading it first when it
 * is not loaded (the answer waits for that, as the stack's switch does). Requests that name no model
 * get it from then on; live recordings keep the model they started with.
 */
const mvpStackDoor: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/models/switch',
    {
      schema: {
        summary: 'MVP STT stack: switch the default model (loading it when needed)',
        tags: ['MVP STT stack'],
        body: SwitchBodySchema,
        response: { 200: ModelObjectSchema },
      },
    },
    async (request) => {
      const { model_id: id } = request.body;
      app.models.load(id);
      await app.models.whenLoaded(id);
      app.models.setDefault(id);
      return describeModel(app.models, id);
    },
  );
};

export default mvpStackDoor;
