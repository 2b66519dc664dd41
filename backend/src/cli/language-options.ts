import type { LanguageDefaults } from '../engine';

export interface LanguageCliOptions {
  language?: string;
  targetLanguage?: string;
  task?: string;
}

/**
 * `--language`, `--target-language` and `--task` (Whisper's name for translating into English) as
 * the languages a model is loaded with; the engine checks them against the model.
 */
export function languageDefaults(options: LanguageCliOptions): LanguageDefaults {
  const { language, targetLanguage, task } = options;
  if (task !== undefined && task !== 'transcribe' && task !== 'translate')
    throw new Error(`unknown task "${task}": use transcribe or translate`);
  if (task !== undefined && targetLanguage !== undefined)
    throw new Error('give --target-language or --task, not both (--task translate is --target-language en)');
  const target = targetLanguage ?? (task === 'translate' ? 'en' : undefined);
  return {
    ...(language !== undefined ? { language: language.trim().toLowerCase() } : {}),
    ...(target !== undefined ? { targetLanguage: target.trim().toLowerCase() } : {}),
  };
}
