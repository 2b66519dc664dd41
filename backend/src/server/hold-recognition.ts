import type { HeldModel, RecognitionRequest } from '../sessions/held-model';
import type { LoadedModel, ModelPool } from './model-pool';

/**
 * Leases the models a live recording names (see ModelPool.leaseRecognition) and routes its windows to
 * their inference queues; both transports take their recordings' models here.
 */
export function holdRecognition(pool: ModelPool, request: RecognitionRequest): HeldModel {
  const { model, interim, release } = pool.leaseRecognition(request);
  const { chunking } = model.recognizer;
  return {
    id: model.id,
    infer: (window) => model.queue.submit(window),
    ...(chunking ? { chunking } : {}),
    finalBacklogSeconds: () => model.queue.finalBacklogSeconds,
    ...(interim ? { interim: heldInterim(interim) } : {}),
    release,
  };
}

function heldInterim(interim: LoadedModel): NonNullable<HeldModel['interim']> {
  const { chunking } = interim.recognizer;
  return {
    id: interim.id,
    infer: (window) => interim.queue.submit(window),
    ...(chunking ? { chunking } : {}),
  };
}
