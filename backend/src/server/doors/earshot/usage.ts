import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../../http-error';

const UsageSchema = z.object({
  object: z.literal('usage'),
  /** The caller's key name (`anonymous` on a server without keys). */
  key: z.string(),
  requests: z.number().int().nonnegative(),
  audio_seconds: z.number().nonnegative(),
  live_seconds: z.number().nonnegative(),
  errors: z.number().int().nonnegative(),
  since: z.string(),
});

/** GET /v1/usage: what the caller's own key has used; other keys' usage is in /metrics only. */
const usageRoute: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/usage',
    {
      schema: {
        summary: "The caller's key's usage",
        tags: ['Earshot'],
        response: { 200: UsageSchema },
      },
    },
    async (request) => {
      const own = await app.usage.of(request);
      if (!own) throw new HttpError(401, 'unauthorized', 'send your API key to see its usage');
      const { usage } = own;
      return {
        object: 'usage' as const,
        key: own.key,
        requests: usage.requests,
        audio_seconds: Math.round(usage.audioSeconds * 1000) / 1000,
        live_seconds: Math.round(usage.liveSeconds * 1000) / 1000,
        errors: usage.errors,
        since: usage.since,
      };
    },
  );
};

export default usageRoute;
