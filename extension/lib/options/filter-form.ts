import {
  FilterAudioModeSchema,
  normalizeSite,
  parseWordList,
  type WordFilterSettings,
  WordFilterSettingsSchema,
} from '@earshot/shared';

/** The word-filter form's fields as the page reads them. */
export interface FilterFormFields {
  enabled: boolean;
  useDefaultList: boolean;
  blockedWords: string;
  allowedWords: string;
  disabledSites: string;
  minConfidence: string;
  muteLowConfidence: boolean;
  audioMode: string;
  protectDelaySeconds: string;
  padMs: string;
  protectSound: string;
}

function lines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
}

function numberIn(text: string, min: number, max: number, what: string, errors: string[]): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    errors.push(`${what} must be a number from ${min} to ${max}.`);
    return min;
  }
  return value;
}

/** Settings from the form, or every reason they cannot be saved (nothing is saved then). */
export function readFilterForm(
  fields: FilterFormFields,
): { ok: true; settings: WordFilterSettings } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const blocked = parseWordList(fields.blockedWords);
  const allowed = parseWordList(fields.allowedWords);
  errors.push(
    ...blocked.errors.map((e) => `Blocked words: ${e}`),
    ...allowed.errors.map((e) => `Allowed words: ${e}`),
  );
  const sites: string[] = [];
  for (const line of lines(fields.disabledSites)) {
    const site = normalizeSite(line);
    if (site) sites.push(site);
    else errors.push(`Sites: "${line}" is not a site name like example.com.`);
  }
  const mode = FilterAudioModeSchema.safeParse(fields.audioMode);
  if (!mode.success) errors.push('Choose what happens to the sound.');
  const candidate = {
    enabled: fields.enabled,
    useDefaultList: fields.useDefaultList,
    blockedWords: blocked.entries.map((e) => e.source),
    allowedWords: allowed.entries.map((e) => e.source),
    disabledSites: [...new Set(sites)],
    minConfidence: numberIn(fields.minConfidence, 0, 1, 'Confidence threshold', errors),
    muteLowConfidence: fields.muteLowConfidence,
    audioMode: mode.success ? mode.data : 'off',
    protectDelaySeconds: numberIn(fields.protectDelaySeconds, 0.5, 10, 'Protect delay (seconds)', errors),
    padSeconds: numberIn(fields.padMs, 0, 500, 'Padding (ms)', errors) / 1000,
    protectSound: fields.protectSound === 'bleep' ? 'bleep' : 'silence',
  };
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: WordFilterSettingsSchema.parse(candidate) };
}

/** The form's fields showing stored settings. */
export function filterFormFields(settings: WordFilterSettings): FilterFormFields {
  return {
    enabled: settings.enabled,
    useDefaultList: settings.useDefaultList,
    blockedWords: settings.blockedWords.join('\n'),
    allowedWords: settings.allowedWords.join('\n'),
    disabledSites: settings.disabledSites.join('\n'),
    minConfidence: String(settings.minConfidence),
    muteLowConfidence: settings.muteLowConfidence,
    audioMode: settings.audioMode,
    protectDelaySeconds: String(settings.protectDelaySeconds),
    padMs: String(Math.round(settings.padSeconds * 1000)),
    protectSound: settings.protectSound,
  };
}
