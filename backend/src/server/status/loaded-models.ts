import type { FastifyInstance } from 'fastify';
import type { Recognizer } from '../../engine/types';
import type { InferenceQueue } from '../../streaming/inference-queue';
import type { Readiness } from '../plugins/inference';

/** A model the server holds in memory, with the queue its recognitions go through. */
export interface ServedModel {
  id: string;
  recognizer: Recognizer;
  queue: InferenceQueue;
  readiness: Readiness;
}

/** The models being served, the default first: the one place that knows where they are kept. */
export function servedModels(app: FastifyInstance, recognizer: Recognizer): ServedModel[] {
  const { queue, readiness } = app.inference;
  return [{ id: recognizer.modelId, recognizer, queue, readiness }];
}
