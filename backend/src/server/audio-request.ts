import { z } from 'zod';
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
    ...(fields.prompt?.trim() ? { prompt: fields.prompt } : {}),
    format,
    granularities: fields['timestamp_granularities[]'],
    stream: fields.stream,
  };
}

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
