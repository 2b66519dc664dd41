import { EngineError } from '../engine/errors';
import { chooseLanguages, type LanguageChoice } from '../engine/language-support';
import type { Recognizer } from '../engine/types';
import { HttpError } from './http-error';

export type AudioTask = 'transcribe' | 'translate';

/** Parakeet exports that hear English only (the others detect the language themselves). */
const ENGLISH_ONLY_PARAKEET = /^(tiny-en|parakeet-tdt-0\.6b-v2(-int8)?)$/;

/** The request field behind each of the engine's refusals of a language or translation. */
const LANGUAGE_REFUSAL_FIELDS: Record<string, 'language' | 'target_language'> = {
  unsupported_language: 'language',
  translation_unsupported: 'target_language',
};

/** The engine's refusal of a language or translation the model cannot do, and the field at fault. */
export function languageRefusal(
  error: unknown,
): { code: 'unsupported_language' | 'translation_unsupported'; field: string; message: string } | undefined {
  if (!(error instanceof EngineError)) return undefined;
  const field = LANGUAGE_REFUSAL_FIELDS[error.code];
  if (!field) return undefined;
  return {
    code: error.code as 'unsupported_language' | 'translation_unsupported',
    field,
    message: error.message,
  };
}

/** The languages a request settled on, and the one to report when the engine does not say. */
export interface SettledLanguages extends LanguageChoice {
  report: string;
}

/**
 * Settles a request's spoken language and target language (a translation always has one: English,
 * as OpenAI's /translations writes, unless it names another) against the loaded recognizer; refuses
 * in one line what it cannot do: `unsupported_language` or `translation_unsupported`, 400.
 */
export function checkTask(
  recognizer: Recognizer,
  task: AudioTask,
  asked: { language?: string; targetLanguage?: string },
): SettledLanguages {
  const id = recognizer.modelId;
  const targetLanguage = asked.targetLanguage ?? (task === 'translate' ? 'en' : undefined);
  const englishOnly = !recognizer.languages && ENGLISH_ONLY_PARAKEET.test(id);
  if (englishOnly && asked.language !== undefined && asked.language !== 'en') {
    throw new HttpError(
      400,
      'unsupported_language',
      `${id} recognizes English only, not "${asked.language}"`,
      'language',
    );
  }
  try {
    const chosen = chooseLanguages(recognizer, {
      ...(asked.language !== undefined ? { language: asked.language } : {}),
      ...(targetLanguage !== undefined ? { targetLanguage } : {}),
    });
    return {
      ...chosen,
      report: chosen.targetLanguage ?? chosen.language ?? (englishOnly ? 'en' : 'unknown'),
    };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    const param =
      error.code === 'unsupported_language' ? 'language' : asked.targetLanguage ? 'target_language' : 'model';
    throw new HttpError(400, error.code as 'unsupported_language', error.message, param);
  }
}
