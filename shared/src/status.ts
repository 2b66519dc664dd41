import { z } from 'zod';
import { GpuAdapterSchema } from './protocol';

/**
 * How the server copes with its load right now (over the last few seconds): `normal`; `shedding_interims`
 * when interim recognitions were dropped because a queue was too far behind (finals still all go
 * through); `cutting_windows` when recordings gave up unrecognized audio to keep their lag bounded.
 */
export const BackpressureLevelSchema = z.enum(['normal', 'shedding_interims', 'cutting_windows']);
export type BackpressureLevel = z.infer<typeof BackpressureLevelSchema>;

export const SessionTransportSchema = z.enum(['http', 'websocket']);
export type SessionTransport = z.infer<typeof SessionTransportSchema>;

const count = z.number().int().nonnegative();

/** What one inference queue did over the last minute. */
export const QueueMinuteSchema = z.object({
  batches: count,
  windows: count,
  mean_batch_size: z.number().nonnegative().nullable(),
  max_batch_size: count,
  audio_seconds: z.number().nonnegative(),
  inference_seconds: z.number().nonnegative(),
  /** Engine seconds per second of audio; below 1 is faster than real time. Null without batches. */
  real_time_factor: z.number().nonnegative().nullable(),
  interims_dropped: count,
  interims_superseded: count,
});

/** Where ONNX Runtime ran one model file's nodes during the warm-up decode on a GPU. */
export const NodePlacementSchema = z.object({
  /** Nodes that ran (after ONNX Runtime's graph optimizations), host↔GPU copies included. */
  nodes: count,
  /** The nodes the GPU provider left to the CPU provider. */
  on_cpu: z.array(z.object({ name: z.string(), op: z.string() })),
  /** Copies between host and GPU memory ONNX Runtime inserted (MemcpyFromHost / MemcpyToHost). */
  host_copies: count,
});

/** What a model does with languages (absent for models that cannot be told one: Parakeet). */
export const StatusLanguagesSchema = z.object({
  /** Spoken languages it can be told (ISO 639-1). */
  spoken: z.array(z.string()),
  /** It finds the spoken language itself when none is chosen (Whisper). */
  detects: z.boolean(),
  /** What it translates: from a spoken language (`*`: any) into these languages. */
  translates: z.record(z.string(), z.array(z.string())),
  /** What a request naming no language gets: null where the model detects it. */
  default_language: z.string().nullable(),
  /** The language requests naming none are written in, when that is a translation. */
  default_target_language: z.string().nullable(),
  /** `measured` by the model, or `spread` over each window's sound (estimates: Canary, translations). */
  word_times: z.enum(['measured', 'spread']),
});
export type StatusLanguages = z.infer<typeof StatusLanguagesSchema>;

/** Open recordings choosing the same languages. */
export const LanguageUseSchema = z.object({
  /** Null: detected by the model, or its default. */
  language: z.string().nullable(),
  /** Null: written in the spoken language. */
  target_language: z.string().nullable(),
  /** Dual captions (the spoken language beside the translation). */
  dual: z.boolean(),
  sessions: count,
});
export type LanguageUse = z.infer<typeof LanguageUseSchema>;

export const StatusModelSchema = z.object({
  id: z.string(),
  default: z.boolean(),
  device: z.string(),
  providers: z.array(z.string()),
  /** The GPU adapter; null on the CPU. */
  adapter: GpuAdapterSchema.nullable(),
  /** On a GPU, per model file (preprocessor, encoder, decoder): where its nodes ran. Null on the CPU. */
  placement: z.record(z.string(), NodePlacementSchema).nullable(),
  /** Its languages and translations; null for a model that cannot be told a language (absent from older servers). */
  languages: StatusLanguagesSchema.nullable().optional(),
  ready: z.boolean(),
  /** Why the model is not ready yet. */
  not_ready_reason: z.string().optional(),
  queue: z.object({
    /** Windows waiting for a batch, by priority (finals are served first). */
    waiting: z.record(z.string(), count),
    decoding: z.boolean(),
    max_batch: count,
    max_wait_seconds: z.number().nonnegative(),
    /** Engine speed over recent batches, all time (the queue's drop decisions use it). */
    seconds_per_audio_second: z.number().nonnegative().nullable(),
    last_minute: QueueMinuteSchema,
  }),
});
export type StatusModel = z.infer<typeof StatusModelSchema>;

/** The settings the server runs with, defaults filled in. */
export const StatusConfigSchema = z.object({
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  every_n_chunks: count,
  idle_timeout_ms: count,
  max_sessions: count,
  body_limit_bytes: count,
  /** Null: any chrome-extension origin. */
  allowed_origins: z.array(z.string()).nullable(),
  /** Null: 127.0.0.1, localhost and [::1] (and the listen address) on the port. */
  allowed_hosts: z.array(z.string()).nullable(),
  /** Whether the server itself serves HTTPS and WSS (`--tls-cert`). */
  tls: z.boolean(),
  /** Null: no proxy is trusted (no `--behind-proxy`); else the addresses whose X-Forwarded-* are read. */
  trusted_proxies: z.array(z.string()).nullable(),
  voice_activity_detection: z.boolean(),
  max_lag_seconds: z.number().nonnegative(),
  buffer_seconds: z.number().nonnegative(),
  max_waiting_chunks: count,
  /**
   * With an interim model: once this much committed audio waits for the final model, new stretches keep
   * the interim model's words as their finals, so finals stay bounded in delay.
   */
  max_pending_final_seconds: z.number().nonnegative(),
  /**
   * With an interim model: once the final model's queue holds this many engine seconds of finals (all
   * recordings together), new stretches keep the interim model's words as their finals.
   */
  max_final_backlog_seconds: z.number().nonnegative(),
});

/** GET /status: models, queues, backpressure, sessions and the configuration in effect. */
export const StatusResponseSchema = z.object({
  version: z.string(),
  uptime_seconds: z.number().nonnegative(),
  backpressure: BackpressureLevelSchema,
  models: z.array(StatusModelSchema),
  /**
   * What a recording that names no model gets: `model` makes its finals, `interim_model` its interims
   * (null: `model` does both).
   */
  defaults: z.object({ model: z.string(), interim_model: z.string().nullable() }),
  sessions: z.object({
    total: count,
    by_transport: z.record(SessionTransportSchema, count),
    /** The languages open recordings chose, both transports together (absent from older servers). */
    by_language: z.array(LanguageUseSchema).optional(),
  }),
  config: StatusConfigSchema,
});
export type StatusResponse = z.infer<typeof StatusResponseSchema>;
