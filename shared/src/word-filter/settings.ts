import { z } from 'zod';
import { siteCovers } from '../sites';

/**
 * What happens to the tab's sound around a blocked word. `instant`: silenced over the word as
 * soon as the recognizer reports it (and ahead of time when the same video time plays again).
 * `protect`: the tab's sound is delayed so the word is silenced before it is heard.
 */
export const FilterAudioModeSchema = z.enum(['off', 'instant', 'protect']);
export type FilterAudioMode = z.infer<typeof FilterAudioModeSchema>;

export const MIN_PROTECT_DELAY_SECONDS = 0.5;
export const MAX_PROTECT_DELAY_SECONDS = 10;

/** The user's word-filter settings. Every field has a default, so older stored values still parse. */
export const WordFilterSettingsSchema = z.object({
  /** Master switch: when off, nothing is masked or silenced. */
  enabled: z.boolean().default(true),
  useDefaultList: z.boolean().default(true),
  blockedWords: z.array(z.string().max(64)).max(2000).default([]),
  allowedWords: z.array(z.string().max(64)).max(2000).default([]),
  /** Hostnames where filtering is off (a subdomain follows its parent: youtube.com covers www.youtube.com). */
  disabledSites: z.array(z.string().max(253)).max(500).default([]),
  minConfidence: z.number().min(0).max(1).default(0.5),
  muteLowConfidence: z.boolean().default(false),
  audioMode: FilterAudioModeSchema.default('off'),
  protectDelaySeconds: z.number().min(MIN_PROTECT_DELAY_SECONDS).max(MAX_PROTECT_DELAY_SECONDS).default(3),
  /** Silence added before and after each word, covering the recognizer's timing error. */
  padSeconds: z.number().min(0).max(0.5).default(0.08),
  /** In protect mode: silence the word, or replace it with a tone. */
  protectSound: z.enum(['silence', 'bleep']).default('silence'),
});
export type WordFilterSettings = z.infer<typeof WordFilterSettingsSchema>;

export const DEFAULT_WORD_FILTER_SETTINGS: WordFilterSettings = WordFilterSettingsSchema.parse({});

/** Stored settings made whole: each missing or invalid field falls back to its default alone. */
export function readWordFilterSettings(stored: unknown): WordFilterSettings {
  const record = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const shape = WordFilterSettingsSchema.shape;
  const settings: Record<string, unknown> = { ...DEFAULT_WORD_FILTER_SETTINGS };
  for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
    const field = shape[key].safeParse(record[key]);
    if (field.success) settings[key] = field.data;
  }
  return WordFilterSettingsSchema.parse(settings);
}

/** A hostname as the user writes it in the site list: "https://www.Example.com/x" → "www.example.com". */
export function normalizeSite(text: string): string | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!trimmed) return undefined;
  try {
    return (
      new URL(/^[a-z][a-z0-9+.-]*:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`).hostname || undefined
    );
  } catch {
    return undefined;
  }
}

/** Whether the filter works on a page of `hostname`. */
export function filterEnabledOn(settings: WordFilterSettings, hostname: string): boolean {
  if (!settings.enabled) return false;
  return !settings.disabledSites.some((site) => siteCovers(site, hostname));
}
