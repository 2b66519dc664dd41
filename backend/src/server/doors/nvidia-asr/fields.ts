import { z } from 'zod';
import { HttpError } from '../../http-error';
import { uploadForm } from '../../upload-form';

/** Which loaded models play the NVIDIA server's two: absent parakeet is the default model; absent canary, none. */
export interface NvidiaModelRoles {
  parakeet?: string;
  canary?: string;
}

const NVIDIA_MODEL_NAMES = ['parakeet', 'canary'] as const;
type NvidiaModelName = (typeof NVIDIA_MODEL_NAMES)[number];

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** The form of POST /transcribe and /transcribe/async, as the NVIDIA server names its fields. */
export const TranscribeFormSchema = uploadForm({
  model: z
    .string()
    .default('parakeet')
    .describe('parakeet (default) or canary: the loaded models this server plays them with'),
  language: z
    .string()
    .optional()
    .describe('en, es, de, fr …: the language canary hears; parakeet ignores it'),
  include_timestamps: z
    .string()
    .default('true')
    .describe('true (default) or false: whether segments are given'),
});

export interface TranscribeRequest {
  /** The loaded model to use; undefined: the server's default. */
  modelId?: string;
  language?: string;
  includeTimestamps: boolean;
}

/**
 * Reads the form's fields: a model name other than parakeet or canary, or one this server has not
 * given a model, is a 400 saying which; a malformed field is FastAPI's 422.
 */
export function parseTranscribeFields(
  form: Map<string, string[]>,
  roles: NvidiaModelRoles,
): TranscribeRequest {
  const last = (name: string) => form.get(name)?.at(-1)?.trim();
  const role = (last('model') || 'parakeet').toLowerCase();
  if (!(NVIDIA_MODEL_NAMES as readonly string[]).includes(role)) {
    throw new HttpError(400, 'invalid_value', `Invalid model "${role}": use "parakeet" or "canary"`, 'model');
  }
  const timestamps = (last('include_timestamps') || 'true').toLowerCase();
  if (!TRUE.includes(timestamps) && !FALSE.includes(timestamps)) {
    throw new HttpError(422, 'invalid_value', 'Input should be a valid boolean', 'include_timestamps');
  }
  const modelId = roles[role as NvidiaModelName];
  if (role === 'canary' && modelId === undefined) {
    throw new HttpError(
      400,
      'model_not_loaded',
      'Model "canary" is not configured on this server: start it with --canary-model <id> (a loaded Canary model) or send model=parakeet',
      'model',
    );
  }
  const language = last('language')?.toLowerCase() || undefined;
  return {
    ...(modelId !== undefined ? { modelId } : {}),
    // Parakeet hears the language it was trained on; as on the NVIDIA server, only canary reads it.
    ...(role === 'canary' && language !== undefined ? { language } : {}),
    includeTimestamps: TRUE.includes(timestamps),
  };
}
