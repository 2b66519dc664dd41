import { z } from 'zod';

/** A word with its time span, counted in seconds from the start of its recording (or file). */
export const WordSchema = z.object({
  word: z.string(),
  start_seconds: z.number().nonnegative(),
  end_seconds: z.number().nonnegative(),
  confidence: z.number().min(0).max(1),
});
export type Word = z.infer<typeof WordSchema>;

/**
 * A caption segment. `final` segments never change again; a non-final (interim) segment
 * is replaced by whatever the next response says about the same stretch of audio.
 */
export const SegmentSchema = z.object({
  id: z.string(),
  text: z.string(),
  start_seconds: z.number().nonnegative(),
  end_seconds: z.number().nonnegative(),
  confidence: z.number().min(0).max(1),
  final: z.boolean(),
  words: z.array(WordSchema),
});
export type Segment = z.infer<typeof SegmentSchema>;

/** Upper bound on one chunk's base64 payload (a few seconds of opus is a few KiB). */
export const MAX_AUDIO_B64_LENGTH = 4 * 1024 * 1024;

/**
 * A live recording's id, repeated outside the body on every POST /asr/stream so a load balancer in front
 * of several workers can hash it and keep the recording on one worker (docs/cluster.md): a header, and
 * the same as a query parameter for balancers that read only the URL.
 */
export const RECORDING_ROUTING = { header: 'X-Earshot-Recording', query: 'recording' } as const;

/** A language as the models name theirs: an ISO 639-1 code (`en`, `de`), lower case. */
export const LanguageCodeSchema = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'a language is an ISO 639-1 code such as en or de');

export const AsrStreamRequestSchema = z.object({
  user_id: z.string().min(1).max(128),
  tab_id: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  mime_type: z.string().min(1).max(128),
  audio_b64: z
    .string()
    .max(MAX_AUDIO_B64_LENGTH)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'audio_b64 must be base64'),
  /** New for each MediaRecorder start; absent means the tab's single legacy recording. */
  recording_id: z.string().min(1).max(128).optional(),
  /** Client wall clock (ms since epoch) at the chunk's start. */
  captured_at_ms: z.number().nonnegative().optional(),
  /** Last chunk of a recording: flush everything and close the session. */
  final: z.boolean().optional(),
  /**
   * Id of a loaded model to recognize the recording with; absent means the server's default. Read at
   * seq 0: the recording keeps that model until it ends.
   */
  model: z.string().min(1).max(256).optional(),
  /**
   * Id of a loaded model that makes the interims while `model` makes the finals (a fast model beside a
   * strong one); absent means the server's `--interim-model`, null means `model` does both. Read at seq 0.
   */
  interim_model: z.string().min(1).max(256).nullable().optional(),
  /**
   * The spoken language (ISO 639-1); absent: the model detects it (Whisper) or takes its default
   * (Canary: English). Read at seq 0, like the model.
   */
  language: LanguageCodeSchema.optional(),
  /** Write the captions in this language (a translation); absent: the spoken language. Read at seq 0. */
  target_language: LanguageCodeSchema.optional(),
  /**
   * With `target_language`: the captions in the spoken language too, in `original_segments` (a second
   * decode of the same audio, so twice the recognizer's work). Read at seq 0.
   */
  dual: z.boolean().optional(),
});
export type AsrStreamRequest = z.infer<typeof AsrStreamRequestSchema>;

export const AsrStreamResponseSchema = z.object({
  segments: z.array(SegmentSchema),
  /**
   * Answered before the recording's recognition caught up with its audio: the recognition is still
   * queued or running, or was dropped under load. Its finals come with a later response.
   */
  behind: z.boolean().optional(),
  /** Seconds of the recording's audio received but not yet recognized. */
  lag_seconds: z.number().nonnegative().optional(),
  /** Dual captions: the segments in the spoken language, beside `segments` in the target language. */
  original_segments: z.array(SegmentSchema).optional(),
});
export type AsrStreamResponse = z.infer<typeof AsrStreamResponseSchema>;

export const ERROR_CODES = [
  'bad_request',
  'unsupported_media_type',
  'payload_too_large',
  'forbidden_origin',
  'forbidden_host',
  'not_found',
  'recording_restart_required',
  'undecodable_audio',
  'session_conflict',
  'too_many_sessions',
  'not_ready',
  'unauthorized',
  'model_not_found',
  'model_not_loaded',
  'model_in_use',
  'model_is_default',
  'model_loading',
  'model_unavailable',
  'invalid_device',
  'cuda_unavailable',
  'webgpu_unavailable',
  'invalid_value',
  'missing_file',
  'empty_file',
  'invalid_file',
  'file_too_large',
  'unsupported_response_format',
  'unsupported_language',
  'translation_unsupported',
  'task_not_loaded',
  'too_many_jobs',
  'job_not_found',
  'job_not_finished',
  'job_cancelled',
  'job_failed',
  'internal_error',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ErrorResponseSchema = z.object({
  error: z.object({ code: ErrorCodeSchema, message: z.string() }),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** The GPU a model computes on (WebGPU or CUDA), as the server found it. */
export const GpuAdapterSchema = z.object({
  name: z.string(),
  vendor: z.string(),
  /** The API underneath: vulkan (WebGPU on Linux), metal, d3d12, or cuda. */
  backend: z.string(),
  /** The driver behind it (amdgpu, i915, nvidia, lavapipe, …), null when unknown. */
  driver: z.string().nullable(),
  /** A rasterizer on the CPU (Mesa's lavapipe): correct, and slower than the CPU provider. */
  software: z.boolean(),
  /** GPU memory the server holds on it, where the platform exposes it (null otherwise). */
  memory_used_bytes: z.number().int().nonnegative().nullable(),
});
export type GpuAdapter = z.infer<typeof GpuAdapterSchema>;

/** The GPU in use as the Reverb service's /health names it (memory in MiB, null where unknown). */
export const ReverbGpuSchema = z.object({
  name: z.string(),
  memory_mb: z.number().int().nonnegative().nullable(),
  memory_used_mb: z.number().int().nonnegative().nullable(),
});
export type ReverbGpu = z.infer<typeof ReverbGpuSchema>;

export const HealthResponseSchema = z.object({
  status: z.literal('ok'),
  /** The model that makes the finals of a recording that names none. */
  model: z.string(),
  /** The fast model that makes its interims, or null when `model` does both (absent from older servers). */
  interim_model: z.string().nullable().optional(),
  device: z.string(),
  providers: z.array(z.string()),
  /** The default model's GPU adapter; null on the CPU (absent from older servers). */
  adapter: GpuAdapterSchema.nullable().optional(),
  sessions: z.number().int().nonnegative(),
  version: z.string(),
  /** Reverb's and the NVIDIA server's field: the default model is loaded (absent from older servers). */
  model_loaded: z.boolean().optional(),
  /** The NVIDIA server's name for `model` (absent from older servers). */
  model_name: z.string().optional(),
  /** Reverb's: the GPU computing, null on the CPU or a software rasterizer (absent from older servers). */
  gpu: ReverbGpuSchema.nullable().optional(),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** GET /ready once the model is loaded and warmed up; before that it answers 503 `not_ready`. */
export const ReadyResponseSchema = z.object({
  ready: z.literal(true),
});
export type ReadyResponse = z.infer<typeof ReadyResponseSchema>;

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8001';
