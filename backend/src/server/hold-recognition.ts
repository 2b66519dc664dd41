import { chooseLanguages, type LanguageChoice } from '../engine/language-support';
import type { Recognizer } from '../engine/types';
import type { HeldModel, RecognitionRequest } from '../sessions/held-model';
import type { Infer } from '../sessions/recording-pipeline';
import type { LoadedModel, ModelPool } from './model-pool';

/**
 * Leases the models a live recording names (see ModelPool.leaseRecognition), settles its languages
 * against them (refusing in one line what they cannot do: an EngineError `unsupported_language` or
 * `translation_unsupported`) and routes its windows, so decoded, to their inference queues; both
 * transports take their recordings' models here.
 */
export function holdRecognition(pool: ModelPool, request: RecognitionRequest): HeldModel {
  const { model, interim, release } = pool.leaseRecognition(request);
  try {
    const languages = settle(model.recognizer, request);
    if (interim) settle(interim.recognizer, request);
    const { chunking } = model.recognizer;
    const original = request.dual && languages.targetLanguage !== undefined;
    return {
      id: model.id,
      infer: inferIn(model, languages),
      ...(chunking ? { chunking } : {}),
      finalBacklogSeconds: () => model.queue.finalBacklogSeconds,
      ...(interim ? { interim: heldInterim(interim, languages) } : {}),
      languages,
      ...(original ? { original: spokenTrack(model, languages) } : {}),
      release,
    };
  } catch (error) {
    release();
    throw error;
  }
}

function settle(recognizer: Recognizer, request: RecognitionRequest): LanguageChoice {
  const { language, targetLanguage } = request;
  return chooseLanguages(recognizer, {
    ...(language !== undefined ? { language } : {}),
    ...(targetLanguage !== undefined ? { targetLanguage } : {}),
  });
}

function inferIn(model: LoadedModel, languages: LanguageChoice): Infer {
  return (window) => model.queue.submit({ ...window, ...languages });
}

function heldInterim(interim: LoadedModel, languages: LanguageChoice): NonNullable<HeldModel['interim']> {
  const { chunking } = interim.recognizer;
  return {
    id: interim.id,
    infer: inferIn(interim, languages),
    ...(chunking ? { chunking } : {}),
  };
}

/** The spoken language's track of dual captions: the same model, told to write what it hears. */
function spokenTrack(model: LoadedModel, languages: LanguageChoice): NonNullable<HeldModel['original']> {
  const { chunking } = model.recognizer;
  const spoken = languages.language !== undefined ? { language: languages.language } : {};
  return { infer: inferIn(model, spoken), ...(chunking ? { chunking } : {}) };
}
