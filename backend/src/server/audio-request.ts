import { z } from 'zod';
import { EngineError } from '../engine/errors';
import { chooseLanguages, type LanguageChoice } from '../engine/language-support';
import type { Recognizer } from '../engine/types';
import { RESPONSE_FORMATS, type ResponseFormat, type TimestampGranularity } from '../files/openai-transcript';
import { HttpError } from './http-error';

export type AudioTask = 'transcribe' | 'translate';

/** Far more than the 223 tokens Whisper reads; a longer prompt is a client mistake, not context. */
export const MAX_PROMPT_CHARACTERS = 4096;

/** The text fields of /v1/audio/transcriptions and /translations, as OpenAI names them. */
const AudioFieldsSchema = z.object({
  model: z.string().min(1, 'name a model (`whisper-1` is the one this server serves)'),
  language: z.string().trim().toLowerCase().min(1).optional(),
  /** Not OpenAI's: write the text in this language (Canary, or English from Whisper). */
  target_language: z.string().trim().toLowerCase().min(1).optional(),
  prompt: z
    .string()
    .max(
      MAX_PROMPT_CHARACTERS,
      `at most ${MAX_PROMPT_CHARACTERS} characters (Whisper reads only its last 223 tokens)`,
    )
    .optional(),
  response_format: z.string().default('json'),
  temperature: z.coerce.number().min(0).max(1).optional(),
  'timestamp_granularities[]': z.array(z.enum(['word', 'segment'])).default([]),
  stream: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export interface AudioRequest {
  model: string;
  language?: string;
  targetLanguage?: string;
  /** Whisper's previous-text prompt; Parakeet ignores it. */
  prompt?: string;
  format: ResponseFormat;
  granularities: TimestampGranularity[];
  stream: boolean;
}

/** Validates the form fields; a bad one is a 400 naming it, as OpenAI's `param`. */
export function parseAudioFields(form: Map<string, string[]>): AudioRequest {
  const raw: Record<string, string | string[]> = {};
  for (const [name, values] of form) {
    raw[name] = name.endsWith('[]') ? values : (values.at(-1) as string);
  }
  const parsed = AudioFieldsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') ?? null;
    throw new HttpError(400, 'invalid_value', `${param ?? 'form'}: ${issue?.message ?? 'invalid'}`, param);
  }
  const fields = parsed.data;
  if (!(RESPONSE_FORMATS as readonly string[]).includes(fields.response_format)) {
    throw new HttpError(
      400,
      'unsupported_response_format',
      `response_format "${fields.response_format}" is not supported; use ${RESPONSE_FORMATS.join(', ')}`,
      'response_format',
    );
  }
  const format = fields.response_format as ResponseFormat;
  if (fields['timestamp_granularities[]'].length > 0 && format !== 'verbose_json') {
    throw new HttpError(
      400,
      'invalid_value',
      'timestamp_granularities[] needs response_format verbose_json',
      'timestamp_granularities',
    );
  }
  if (fields.stream && format !== 'json' && format !== 'text') {
    throw new HttpError(
      400,
      'invalid_value',
      'stream=true answers events; use response_format json or text',
      'stream',
    );
  }
  return {
    model: fields.model,
    ...(fields.language !== undefined ? { language: fields.language } : {}),
    ...(fields.target_language !== undefined ? { targetLanguage: fields.target_language } : {}),
    ...(fields.prompt?.trim() ? { prompt: fields.prompt } : {}),
    format,
    granularities: fields['timestamp_granularities[]'],
    stream: fields.stream,
  };
}

/** Parakeet exports that hear English only (the others detect the language themselves). */
const ENGLISH_ONLY_PARAKEET = /^(tiny-en|parakeet-tdt-0\.6b-v2(-int8)?)$/;

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
  if (!recognizer.languages && ENGLISH_ONLY_PARAKEET.test(id)) {
    if (asked.language !== undefined && asked.language !== 'en') {
      throw new HttpError(
        400,
        'unsupported_language',
        `${id} recognizes English only, not "${asked.language}"`,
        'language',
      );
    }
  }
  try {
    const chosen = chooseLanguages(recognizer, {
      ...(asked.language !== undefined ? { language: asked.language } : {}),
      ...(targetLanguage !== undefined ? { targetLanguage } : {}),
    });
    const englishOnly = !recognizer.languages && ENGLISH_ONLY_PARAKEET.test(id);
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
