import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Recognizer } from '../../engine/types';
import { InferenceQueue, QueueClosedError } from '../../streaming/inference-queue';

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface Inference {
  queue: InferenceQueue;
  readiness: Readiness;
}

declare module 'fastify' {
  interface FastifyInstance {
    inference: Inference;
  }
}

export interface InferencePluginOptions {
  recognizer: Recognizer;
}

/**
 * The model's one inference queue, shared by every session. The model is ready once a warm-up decode
 * of one second of silence has gone through it: the first encoder pass allocates and tunes kernels, and
 * it gives the queue its first measure of the engine's speed.
 */
const inferencePlugin: FastifyPluginAsync<InferencePluginOptions> = async (app, options) => {
  const queue = new InferenceQueue(options.recognizer, {}, app.metrics);
  const inference: Inference = {
    queue,
    readiness: { ready: false, reason: 'the model is warming up' },
  };
  app.decorate('inference', inference);

  const silence = new Float32Array(options.recognizer.sampleRate);
  queue.submit({ key: 'warm-up', kind: 'final', samples: silence }).then(
    () => {
      inference.readiness = { ready: true };
      app.metrics.markReady();
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      inference.readiness = { ready: false, reason: `the warm-up decode failed: ${message}` };
      if (!(error instanceof QueueClosedError)) app.log.error({ err: error }, 'model warm-up failed');
    },
  );
  app.addHook('onClose', async () => queue.close());
};

export default fp(inferencePlugin, { name: 'inference', dependencies: ['metrics'] });
