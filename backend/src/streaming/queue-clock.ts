/** Time as the inference queue sees it: milliseconds, and a way to be called back later. */
export interface QueueClock {
  now(): number;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  wakeAfter(ms: number, callback: () => void): () => void;
}

export const systemClock: QueueClock = {
  now: () => performance.now(),
  wakeAfter(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};
