import { performance } from 'node:perf_hooks';
import type { BackpressureLevel } from '@earshot/shared';
import type { InferenceQueue } from '../../streaming/inference-queue';

/** Backpressure is judged on what happened this recently, so the level says how things are now. */
export const BACKPRESSURE_SPAN_SECONDS = 10;

export const BACKPRESSURE_GAUGE_VALUE: Record<BackpressureLevel, number> = {
  normal: 0,
  shedding_interims: 1,
  cutting_windows: 2,
};

/**
 * The worse of: a recording gave up audio to keep its lag bounded (cutting windows), a queue dropped an
 * interim because it was too far behind (shedding interims); normal otherwise.
 */
export function backpressureLevel(
  queues: readonly InferenceQueue[],
  lastWindowCutAt: number | null,
  now = performance.now(),
): BackpressureLevel {
  const recent = (at: number | null) => at !== null && now - at <= BACKPRESSURE_SPAN_SECONDS * 1000;
  if (recent(lastWindowCutAt)) return 'cutting_windows';
  if (queues.some((q) => recent(q.activity.lastDropAt))) return 'shedding_interims';
  return 'normal';
}
