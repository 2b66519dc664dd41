import { DEFAULT_BACKEND_URL, type TabCaptureState } from '@earshot/shared';
import { storage } from '#imports';

/** Where the Earshot backend listens (user setting). */
export const backendUrlItem = storage.defineItem<string>('local:backendUrl', {
  fallback: DEFAULT_BACKEND_URL,
});

/** Anonymous per-install id the backend uses to keep one user's sessions apart. */
export const userIdItem = storage.defineItem<string>('local:userId', {
  init: () => crypto.randomUUID(),
});

/**
 * Capture state of every tab that is or was captured, keyed by tab id. Session storage: it
 * outlives service-worker restarts but not the browser, like the captures themselves.
 */
export const captureStatesItem = storage.defineItem<Record<string, TabCaptureState>>(
  'session:captureStates',
  {
    fallback: {},
  },
);

/** URL of the page each captured tab showed when its capture started. */
export const capturedPagesItem = storage.defineItem<Record<string, string>>('session:capturedPages', {
  fallback: {},
});
