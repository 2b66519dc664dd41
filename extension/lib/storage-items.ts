import {
  DEFAULT_BACKEND_URL,
  DEFAULT_WORD_FILTER_SETTINGS,
  readWordFilterSettings,
  type TabCaptureState,
  type WordFilterSettings,
} from '@earshot/shared';
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

/** Word-filter settings (user setting); read through `readWordFilterSettings` for defaults. */
export const wordFilterItem = storage.defineItem<WordFilterSettings>('local:wordFilter', {
  fallback: DEFAULT_WORD_FILTER_SETTINGS,
});

export async function getWordFilterSettings(): Promise<WordFilterSettings> {
  return readWordFilterSettings(await wordFilterItem.getValue());
}

export interface TabFilterStats {
  filteredWords: number;
  latencySeconds?: number;
}

/** Word-filter figures of each tab's latest capture, for the popup. */
export const filterStatsItem = storage.defineItem<Record<string, TabFilterStats>>('session:filterStats', {
  fallback: {},
});
