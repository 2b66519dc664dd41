import { EngineError } from './errors.js';
import type { LanguageSupport, Recognizer } from './types.js';

/** A spoken language and the language to write, as a request settles them for one recognizer. */
export interface LanguageChoice {
  /** Undefined: the recognizer detects the language per window. */
  language?: string;
  /** Undefined: the text is written in the spoken language. */
  targetLanguage?: string;
}

/** The languages a recognizer can translate into, from any spoken language. */
export function translationTargets(support: LanguageSupport): string[] {
  return [...new Set(Object.values(support.translation).flat())];
}

/** Whether `support` translates speech in `from` (undefined: detected) into `to`. */
export function translates(support: LanguageSupport, from: string | undefined, to: string): boolean {
  if (support.translation['*']?.includes(to)) return true;
  return from !== undefined && (support.translation[from]?.includes(to) ?? false);
}

/**
 * Settles what a request asks (a spoken language, a language to write) against what the recognizer can
 * do, with its defaults for what the request leaves out; refuses in one line what it cannot:
 * `unsupported_language` for a language it does not know, `translation_unsupported` for a translation
 * it cannot make. A target equal to the spoken language is no translation.
 */
export function chooseLanguages(recognizer: Recognizer, asked: LanguageChoice): LanguageChoice {
  const support = recognizer.languages;
  const id = recognizer.modelId;
  if (!support) {
    if (asked.targetLanguage !== undefined && asked.targetLanguage !== asked.language) {
      throw new EngineError(
        'translation_unsupported',
        `${id} cannot translate; serve a Canary model, or a multilingual Whisper model for English`,
      );
    }
    return asked.language !== undefined ? { language: asked.language } : {};
  }
  const language = asked.language ?? support.defaultLanguage;
  if (asked.language !== undefined && !support.languages.includes(asked.language)) {
    throw new EngineError(
      'unsupported_language',
      support.languages.length === 1
        ? `${id} recognizes ${support.languages[0]} only, not "${asked.language}"`
        : `${id} does not know language "${asked.language}" (it knows ${support.languages.join(', ')})`,
    );
  }
  const target = asked.targetLanguage ?? (asked.language === undefined ? support.defaultTarget : undefined);
  if (target === undefined || target === language) return language !== undefined ? { language } : {};
  if (!translates(support, language, target)) {
    const from = language === undefined ? [] : (support.translation[language] ?? []);
    const reach =
      from.length > 0
        ? `from ${language} it translates into ${from.join(', ')}`
        : `it translates into ${translationTargets(support).join(', ') || 'no language'}`;
    const source = language === undefined ? '' : ` from ${language}`;
    throw new EngineError(
      'translation_unsupported',
      `${id} cannot translate${source} into ${target} (${reach})`,
    );
  }
  return { ...(language !== undefined ? { language } : {}), targetLanguage: target };
}
