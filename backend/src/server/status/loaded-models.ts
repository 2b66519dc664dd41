import type { FastifyInstance } from 'fastify';
import type { LoadedModel } from '../model-pool';

/** A model the server holds in memory, with the queue its recognitions go through. */
export type ServedModel = LoadedModel;

/** The models being served, the default first. */
export function servedModels(app: FastifyInstance): ServedModel[] {
  return app.models.list();
}
