import { AsrStreamRequestSchema, AsrStreamResponseSchema, ErrorResponseSchema } from '@earshot/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Recognizer } from '../src/engine/types';
import errorReplies from '../src/server/plugins/error-replies';
import { InferenceQueue } from '../src/streaming/inference-queue';
import { BaselineSession } from './baseline-session';

/**
 * The baseline design behind the same POST /asr/stream protocol. It uses Earshot's inference queue
 * (concurrent tabs share encoder passes; its windows are never dropped), so the difference measured is
 * the streaming policy.
 */
export async function buildBaselineApp(recognizer: Recognizer): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 6 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(errorReplies);
  await app.register(baselineRoute, { recognizer });
  return app;
}

const baselineRoute: FastifyPluginAsyncZod<{ recognizer: Recognizer }> = async (app, { recognizer }) => {
  const queue = new InferenceQueue(recognizer);
  const sessions = new Map<string, BaselineSession>();
  const recognizerFor = (key: string) => async (samples: Float32Array) => {
    const outcome = await queue.submit({ key, kind: 'final', samples });
    if (outcome.status !== 'recognized') throw new Error(`a baseline window was ${outcome.status}`);
    return outcome.result;
  };
  app.addHook('onClose', async () => {
    for (const session of sessions.values()) session.close();
    await queue.close();
  });

  app.post(
    '/asr/stream',
    {
      schema: {
        body: AsrStreamRequestSchema,
        response: { 200: AsrStreamResponseSchema, '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema },
      },
    },
    async (request) => {
      const { user_id, tab_id, recording_id = 'default', audio_b64, final = false } = request.body;
      const key = JSON.stringify([user_id, tab_id, recording_id]);
      let session = sessions.get(key);
      if (!session) {
        session = new BaselineSession(recording_id, recognizerFor(key));
        sessions.set(key, session);
      }
      try {
        return { segments: await session.receive(Buffer.from(audio_b64, 'base64'), final) };
      } finally {
        if (final) {
          session.close();
          sessions.delete(key);
        }
      }
    },
  );
};
