import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Recognizer } from '../../engine/types';
import { isStoreRecognizer, loadFromStore, type ModelLoader } from '../model-loader';
import { ModelPool } from '../model-pool';

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelPool;
  }
}

export interface ModelsPluginOptions {
  /** The models to serve from the start, the default first; they stay the caller's to release. */
  recognizers: readonly Recognizer[];
  /** Device for loads that name none. */
  device: string;
  /** Id of one of `recognizers` making the interims of recordings that name no interim model. */
  interimModel?: string;
  loader?: ModelLoader;
}

/** The loaded models, one inference queue each, shared by every route and session. */
const modelsPlugin: FastifyPluginAsync<ModelsPluginOptions> = async (app, options) => {
  const pool = new ModelPool({
    models: options.recognizers,
    loader: options.loader ?? loadFromStore,
    device: options.device,
    ...(options.interimModel !== undefined ? { interimModel: options.interimModel } : {}),
    isKnown: isStoreRecognizer,
    observer: app.metrics,
    onWarmUpFailed: (model, error) => app.log.error({ err: error, model }, 'model warm-up failed'),
  });
  app.decorate('models', pool);
  app.addHook('onClose', async () => pool.close());
};

export default fp(modelsPlugin, { name: 'models', dependencies: ['metrics'] });
