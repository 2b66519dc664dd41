import {
  type CaptionLanguages,
  DEFAULT_BACKEND_URL,
  DEFAULT_CAPTION_LANGUAGES,
  DEFAULT_WORD_FILTER_SETTINGS,
  readCaptionLanguages,
  readWordFilterSettings,
  type TabCaptureState,
  type WordFilterSettings,
} from '@earshot/shared';
import { storage } from '#imports';
import { type CaptionStyle, DEFAULT_CAPTION_STYLE } from './captions/caption-style';

/** Where the Earshot backend listens (user setting). */
export const backendUrlItem = storage.defineItem<string>('local:backendUrl', {
  fallback: DEFAULT_BACKEND_URL,
});

/** The backend's API key (user setting); empty when the backend asks for none. */
export const apiKeyItem = storage.defineItem<string>('local:apiKey', { fallback: '' });

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

export interface TabCaptionStats {
  latencySeconds?: number;
  behind: boolean;
  lagSeconds: number;
}

/** How each tab's latest capture keeps up (see CaptionStatsReport), for the popup. */
export const captionStatsItem = storage.defineItem<Record<string, TabCaptionStats>>('session:captionStats', {
  fallback: {},
});

/** Word-filter figures of each tab's latest capture, for the popup. */
export const filterStatsItem = storage.defineItem<Record<string, TabFilterStats>>('session:filterStats', {
  fallback: {},
});

export interface FrameMediaState {
  playing: boolean;
  startedAtMs: number;
}

/** Per tab, each frame's captioned media (see MediaState), so captions go to the frame that plays. */
export const mediaFramesItem = storage.defineItem<Record<string, Record<string, FrameMediaState>>>(
  'session:mediaFrames',
  { fallback: {} },
);

/** The languages captions are made in, by site with a default (user setting); read through getCaptionLanguages. */
export const captionLanguagesItem = storage.defineItem<CaptionLanguages>('local:captionLanguages', {
  fallback: DEFAULT_CAPTION_LANGUAGES,
});

export async function getCaptionLanguages(): Promise<CaptionLanguages> {
  return readCaptionLanguages(await captionLanguagesItem.getValue());
}

/** How captions look (user setting); read through readCaptionStyle for defaults. */
export const captionStyleItem = storage.defineItem<CaptionStyle>('local:captionStyle', {
  fallback: DEFAULT_CAPTION_STYLE,
});

/** Where the user dragged the caption box on each site, as fractions of the video (see CaptionLayout). */
export const draggedCaptionsItem = storage.defineItem<Record<string, { x: number; y: number }>>(
  'local:draggedCaptions',
  { fallback: {} },
);
