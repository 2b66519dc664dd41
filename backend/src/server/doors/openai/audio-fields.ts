import { z } from 'zod';
import {
  RESPONSE_FORMATS,
  type ResponseFormat,
  type TimestampGranularity,
} from '../../../files/openai-transcript';
import { HttpError } from '../../http-error';

/** Far more than the 223 tokens Whisper reads; a longer prompt is a client mistake, not context. */
export const MAX_PROMPT_CHARACTERS = 4096;

/** OpenAI's name for the server's default model, which its clients send by default. */
export const OPENAI_DEFAULT_MODEL = 'whisper-1';

/** The text fields of /v1/audio/transcriptions and /translations, as OpenAI names them. */
export const AudioFieldsSchema = z.object({
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
