import { z } from 'zod';
import type { AsrStreamRequest } from './protocol';
import { siteCovers } from './sites';

/**
 * The language captions are made in, for one site or as the default: the spoken language (`auto`:
 * the model detects it, or takes its default) and a language to translate them into (`off`: none).
 * Dual captions show the spoken language above the translation; the backend then decodes the audio
 * twice.
 */
export const CaptionLanguageChoiceSchema = z.object({
  language: z.string().regex(/^(auto|[a-z]{2,3})$/),
  translateTo: z.string().regex(/^(off|[a-z]{2,3})$/),
  dual: z.boolean(),
});
export type CaptionLanguageChoice = z.infer<typeof CaptionLanguageChoiceSchema>;

/** The user's caption languages: a default, and sites that have their own. */
export const CaptionLanguagesSchema = z.object({
  default: CaptionLanguageChoiceSchema,
  /** By hostname; a subdomain follows its parent (youtube.com covers www.youtube.com). */
  sites: z.record(z.string().max(253), CaptionLanguageChoiceSchema),
});
export type CaptionLanguages = z.infer<typeof CaptionLanguagesSchema>;

export const AUTOMATIC_LANGUAGE: CaptionLanguageChoice = {
  language: 'auto',
  translateTo: 'off',
  dual: false,
};

export const DEFAULT_CAPTION_LANGUAGES: CaptionLanguages = { default: AUTOMATIC_LANGUAGE, sites: {} };

/** Stored settings made whole: an invalid default or site entry falls back (to automatic, or away). */
export function readCaptionLanguages(stored: unknown): CaptionLanguages {
  const record = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
  const fallback = CaptionLanguageChoiceSchema.safeParse(record.default);
  const sites = typeof record.sites === 'object' && record.sites !== null ? record.sites : {};
  return {
    default: fallback.success ? fallback.data : AUTOMATIC_LANGUAGE,
    sites: Object.fromEntries(
      Object.entries(sites).flatMap(([site, choice]) => {
        const parsed = CaptionLanguageChoiceSchema.safeParse(choice);
        return parsed.success ? [[site, parsed.data]] : [];
      }),
    ),
  };
}

/** The site entry that covers a hostname (the most specific one), or undefined. */
export function languageSiteOf(settings: CaptionLanguages, hostname: string): string | undefined {
  return Object.keys(settings.sites)
    .filter((site) => siteCovers(site, hostname))
    .sort((a, b) => b.length - a.length)[0];
}

/** What captions on a page of `hostname` are made in. */
export function captionLanguagesOn(settings: CaptionLanguages, hostname: string): CaptionLanguageChoice {
  const site = languageSiteOf(settings, hostname);
  return (site ? settings.sites[site] : undefined) ?? settings.default;
}

/** Whether the captions are a translation (so their words are not what the audio says). */
export function isTranslation(choice: CaptionLanguageChoice): boolean {
  return choice.translateTo !== 'off' && choice.translateTo !== choice.language;
}

/** A choice as the fields of POST /asr/stream. */
export function streamLanguageFields(
  choice: CaptionLanguageChoice,
): Pick<AsrStreamRequest, 'language' | 'target_language' | 'dual'> {
  const translated = isTranslation(choice);
  return {
    ...(choice.language !== 'auto' ? { language: choice.language } : {}),
    ...(translated ? { target_language: choice.translateTo } : {}),
    ...(translated && choice.dual ? { dual: true } : {}),
  };
}
