import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error';
import { type ModelLease, ModelPoolError } from './model-pool';

/**
 * 400 rather than the pool's 409 for a model that is not loaded (yet): the openai client retries a
 * 409, and uploading the file again would not make the model appear.
 */
const STATUS: Record<ModelPoolError['code'], number> = {
  model_not_found: 404,
  model_not_loaded: 400,
  model_loading: 400,
  model_in_use: 409,
  model_is_default: 409,
};

/**
 * Takes the loaded model a file request names (none: the default) for as long as the request or job
 * runs, so it is not unloaded under it; release the lease when done.
 */
export function leaseFileModel(app: FastifyInstance, id: string | undefined): ModelLease {
  try {
    return app.models.lease(id);
  } catch (error) {
    if (error instanceof ModelPoolError) {
      throw new HttpError(STATUS[error.code], error.code, error.message, 'model');
    }
    throw error;
  }
}
