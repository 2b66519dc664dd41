import type { HeldModel, RecognitionRequest } from '../sessions/held-model';
import type { ModelPool } from './model-pool';

/**
 * Leases the models a live recording names (see ModelPool.leaseRecognition) and routes its windows to
 * their inference queues; both transports take their recordings' models here.
 */
export function holdRecognition(pool: ModelPool, request: RecognitionRequest): HeldModel {
  const { model, interim, release } = pool.leaseRecognition(request);
  return {
    id: model.id,
    infer: (window) => model.queue.submit(window),
    finalBacklogSeconds: () => model.queue.finalBacklogSeconds,
    ...(interim ? { interim: { id: interim.id, infer: (window) => interim.queue.submit(window) } } : {}),
    release,
  };
}
