import { z } from 'zod';

/** The original server's backpressure levels (its high and critical queue watermarks). */
export type SttBackpressure = 'normal' | 'high' | 'critical';

/** JSON control messages a client sends between its binary PCM16 frames. */
export const ControlMessageSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('start'), language: z.string().trim().toLowerCase().min(1).default('auto') }),
  z.object({ event: z.literal('stop') }),
  z.object({
    event: z.literal('set'),
    interimRate: z.number().positive().max(50, 'at most 50 interims a second'),
  }),
]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;

/** Messages the server sends, as JSON text frames. */
export type SttMessage =
  | { type: 'interim'; conn: string; text: string; stable_chars: number; t0: number; t1: number }
  | {
      type: 'final';
      conn: string;
      text: string;
      segments: { start: number; end: number; text: string }[];
      language: string;
      t0: number;
      t1: number;
    }
  | {
      type: 'status';
      backpressure: SttBackpressure;
      cooldown_ms: number;
      tail_s: number;
      interim_paused: boolean;
    }
  /** Earshot's own: a control message or stream it could not act on; the connection goes on. */
  | { type: 'error'; conn: string; code: string; message: string };

/** A control message from a text frame, or an error naming what is wrong with it. */
export function parseControl(text: string): ControlMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ControlError('invalid_json', 'the control message is not valid JSON');
  }
  const parsed = ControlMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'invalid_union_discriminator') {
    throw new ControlError(
      'unsupported_event',
      'send {"event": "start" | "stop" | "set", …} or binary PCM16 frames',
    );
  }
  throw new ControlError(
    'invalid_value',
    `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`,
  );
}

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
