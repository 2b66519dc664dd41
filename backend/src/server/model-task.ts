import type { Recognizer } from '../engine/types';
import { HttpError } from './http-error';

export type AudioTask = 'transcribe' | 'translate';

/** Parakeet exports that hear English only (the others detect the language themselves). */
const ENGLISH_ONLY_PARAKEET = /^(tiny-en|parakeet-tdt-0\.6b-v2(-int8)?)$/;

/**
 * Refuses what the loaded recognizer cannot do for this request: its language and task are fixed
 * when it is loaded, so a request can only ask for what it was loaded with. Returns the language to
 * report when the engine does not report one.
 */
export function checkTask(recognizer: Recognizer, task: AudioTask, language: string | undefined): string {
  const setup = recognizer.languageSetup;
  const id = recognizer.modelId;
  if (!setup) {
    if (task === 'translate') {
      throw new HttpError(
        400,
        'translation_unsupported',
        `${id} is a Parakeet model and cannot translate; serve a multilingual Whisper model with --task translate`,
        'model',
      );
    }
    const englishOnly = ENGLISH_ONLY_PARAKEET.test(id);
    if (englishOnly && language !== undefined && language !== 'en') {
      throw new HttpError(
        400,
        'unsupported_language',
        `${id} recognizes English only, not "${language}"`,
        'language',
      );
    }
    return language ?? (englishOnly ? 'en' : 'unknown');
  }
  if (task === 'translate' && !setup.multilingual) {
    throw new HttpError(
      400,
      'translation_unsupported',
      `${id} is English-only and cannot translate`,
      'model',
    );
  }
  if (task !== setup.task) {
    throw new HttpError(
      400,
      'task_not_loaded',
      `${id} is loaded to ${setup.task}, not to ${task}; restart the server with --task ${task}`,
      'model',
    );
  }
  const fixed = setup.language ?? (setup.multilingual ? undefined : 'en');
  if (language !== undefined && language !== fixed) {
    throw new HttpError(
      400,
      'unsupported_language',
      fixed
        ? `${id} is loaded for language "${fixed}", not "${language}"`
        : `${id} detects the language of each window; to fix it to "${language}", restart the server with --language ${language}`,
      'language',
    );
  }
  return fixed ?? 'unknown';
}
