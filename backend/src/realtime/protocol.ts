import { z } from 'zod';

/**
 * The transcription-session part of OpenAI's Realtime API, GA event names (`session.update` with
 * `session.type: "transcription"`, `audio.input.*`), as the `openai` package's realtime types define
 * them. Fields this server does not use are accepted and ignored, as the API does for unknown fields.
 */

const TurnDetectionSchema = z
  .object({
    type: z.literal('server_vad'),
    threshold: z.number().min(0).max(1).optional(),
    prefix_padding_ms: z.number().int().min(0).max(5_000).optional(),
    silence_duration_ms: z.number().int().min(50).max(10_000).optional(),
  })
  .passthrough();

const AudioFormatSchema = z
  .object({
    type: z.enum(['audio/pcm', 'pcm16'], {
      errorMap: () => ({ message: 'only audio/pcm (16-bit little-endian mono PCM) is supported' }),
    }),
    rate: z.number().int().min(8_000).max(96_000).optional(),
  })
  .passthrough();

const TranscriptionSchema = z
  .object({
    model: z.string().min(1).optional(),
    /**
     * Earshot's own field: a fast model for the policy's interims beside `model`, which then decodes
     * each committed stretch for the deltas; null: `model` does both.
     */
    interim_model: z.string().min(1).nullable().optional(),
    language: z.string().trim().toLowerCase().min(1).optional(),
    /** Earshot's own field: write the deltas and transcripts in this language (a translation); null: none. */
    target_language: z.string().trim().toLowerCase().min(1).nullable().optional(),
    prompt: z.string().optional(),
  })
  .passthrough();

export const SessionUpdateSchema = z.object({
  type: z.literal('session.update'),
  event_id: z.string().optional(),
  session: z
    .object({
      type: z.literal('transcription', {
        errorMap: () => ({
          message: 'this endpoint serves transcription sessions: session.type must be "transcription"',
        }),
      }),
      audio: z
        .object({
          input: z
            .object({
              format: AudioFormatSchema.optional(),
              transcription: TranscriptionSchema.nullable().optional(),
              turn_detection: TurnDetectionSchema.nullable().optional(),
            })
            .passthrough()
            .optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough(),
});

export const AppendSchema = z.object({
  type: z.literal('input_audio_buffer.append'),
  event_id: z.string().optional(),
  audio: z.string().base64({ message: 'audio must be base64 of 16-bit PCM' }),
});

const BareEventSchema = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), event_id: z.string().optional() });

export const ClientEventSchema = z.discriminatedUnion('type', [
  SessionUpdateSchema,
  AppendSchema,
  BareEventSchema('input_audio_buffer.commit'),
  BareEventSchema('input_audio_buffer.clear'),
]);

export type SessionUpdate = z.infer<typeof SessionUpdateSchema>;
export type ClientEvent = z.infer<typeof ClientEventSchema>;

export interface TurnDetectionConfig {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
}

/** The effective session, as `session.created` / `session.updated` report it. */
export interface TranscriptionSessionConfig {
  type: 'transcription';
  id: string;
  object: 'realtime.transcription_session';
  audio: {
    input: {
      format: { type: 'audio/pcm'; rate: number };
      transcription: {
        model: string;
        interim_model: string | null;
        language: string | null;
        target_language: string | null;
      };
      turn_detection: TurnDetectionConfig | null;
      noise_reduction: null;
    };
  };
  include: string[];
}

/** Server events this endpoint sends (each also gets an `event_id`). */
export type ServerEvent =
  | { type: 'session.created' | 'session.updated'; session: TranscriptionSessionConfig }
  | { type: 'input_audio_buffer.speech_started'; audio_start_ms: number; item_id: string }
  | { type: 'input_audio_buffer.speech_stopped'; audio_end_ms: number; item_id: string }
  | { type: 'input_audio_buffer.committed'; item_id: string; previous_item_id: string | null }
  | { type: 'input_audio_buffer.cleared' }
  | {
      type: 'conversation.item.input_audio_transcription.delta';
      item_id: string;
      content_index: 0;
      delta: string;
    }
  | {
      type: 'conversation.item.input_audio_transcription.completed';
      item_id: string;
      content_index: 0;
      transcript: string;
      usage: { type: 'duration'; seconds: number };
    }
  | {
      type: 'conversation.item.input_audio_transcription.failed';
      item_id: string;
      content_index: 0;
      error: { type: string; code: string; message: string };
    }
  | { type: 'error'; error: RealtimeErrorBody };

export interface RealtimeErrorBody {
  type: 'invalid_request_error' | 'server_error';
  code: string;
  message: string;
  param: string | null;
  event_id: string | null;
}

/** A client event refused; the session goes on. */
export class RealtimeRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'RealtimeRequestError';
  }
}

/** Parses one text frame into a client event, or says precisely what is wrong with it. */
export function parseClientEvent(text: string): ClientEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RealtimeRequestError('invalid_json', 'the event is not valid JSON');
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') throw new RealtimeRequestError('invalid_event', 'the event has no "type"');
  if (!ClientEventSchema.options.some((o) => o.shape.type.value === type)) {
    throw new RealtimeRequestError(
      'unsupported_event',
      `"${type}" is not supported by a transcription session; send session.update or input_audio_buffer.append / commit / clear`,
      'type',
    );
  }
  const parsed = ClientEventSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') || null;
  throw new RealtimeRequestError(
    'invalid_value',
    `${param ?? 'event'}: ${issue?.message ?? 'invalid'}`,
    param,
  );
}
