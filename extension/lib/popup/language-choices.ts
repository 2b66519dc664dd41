import {
  type CaptionLanguageChoice,
  type CaptionLanguages,
  isTranslation,
  languageSiteOf,
  type StatusLanguages,
} from '@earshot/shared';
import { backendStatus } from '../backend-health';

/** What the backend's default model (the one captions use) offers, from GET /status. */
export interface ModelLanguages {
  model: string;
  /** Null: the model hears what it was trained on and cannot be told a language (Parakeet). */
  languages: StatusLanguages | null;
}

export async function modelLanguages(
  backendUrl: string,
  apiKey?: string,
): Promise<ModelLanguages | undefined> {
  const model = (await backendStatus(backendUrl, apiKey))?.model;
  return model ? { model: model.id, languages: model.languages ?? null } : undefined;
}

const names = new Intl.DisplayNames(['en'], { type: 'language' });

/** "German" for `de`; the code itself where the browser knows no name. */
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

export interface Option {
  value: string;
  label: string;
}

/** The caption languages to offer: automatic, then each spoken language the model knows. */
export function spokenOptions(offered: StatusLanguages): Option[] {
  const automatic = offered.detects
    ? 'Automatic (the model detects it)'
    : `Automatic (${languageName(offered.default_language ?? 'en')}, the model's default)`;
  return [
    { value: 'auto', label: automatic },
    ...offered.spoken.map((code) => ({ value: code, label: languageName(code) })),
  ];
}

/** The spoken language a choice decodes as: the chosen one, or the model's default when it cannot detect. */
function decodedAs(offered: StatusLanguages, language: string): string | undefined {
  return language !== 'auto' ? language : (offered.default_language ?? undefined);
}

/** "Translate captions into" choices for speech in `language`: off, then what the model translates it into. */
export function targetOptions(offered: StatusLanguages, language: string): Option[] {
  const from = decodedAs(offered, language);
  const targets = [
    ...(offered.translates['*'] ?? []),
    ...(from !== undefined ? (offered.translates[from] ?? []) : []),
  ].filter((code, i, all) => code !== from && all.indexOf(code) === i);
  return [
    { value: 'off', label: 'Off' },
    ...targets.map((code) => ({ value: code, label: languageName(code) })),
  ];
}

/** A choice made whole against what the model offers: a target it cannot reach from the language is off. */
export function fitChoice(offered: StatusLanguages, choice: CaptionLanguageChoice): CaptionLanguageChoice {
  const language =
    choice.language === 'auto' || offered.spoken.includes(choice.language) ? choice.language : 'auto';
  const targets = targetOptions(offered, language).map((o) => o.value);
  const translateTo = targets.includes(choice.translateTo) ? choice.translateTo : 'off';
  return { language, translateTo, dual: choice.dual };
}

/** The settings with a site's choice changed: its own entry when `ownEntry`, else the default. */
export function withChoice(
  settings: CaptionLanguages,
  hostname: string,
  ownEntry: boolean,
  choice: CaptionLanguageChoice,
): CaptionLanguages {
  const site = languageSiteOf(settings, hostname) ?? hostname;
  const { [site]: _previous, ...others } = settings.sites;
  if (!ownEntry) return { default: choice, sites: others };
  return { default: settings.default, sites: { ...others, [site]: choice } };
}

/** One line on what the choice costs and does, for the popup. */
export function describeChoice(choice: CaptionLanguageChoice, model: string): string {
  if (!isTranslation(choice)) {
    return choice.language === 'auto'
      ? `Captions in the language ${model} hears.`
      : `Captions in ${languageName(choice.language)}.`;
  }
  const into = languageName(choice.translateTo);
  return choice.dual
    ? `Captions translated into ${into}, the original above: ${model} decodes the audio twice, so this tab costs the backend twice the work. Blocked words are silenced by the original's words.`
    : `Captions translated into ${into} by ${model}; their word times are estimates. Blocked words are masked in them; the sound is not filtered (dual captions keep it).`;
}
