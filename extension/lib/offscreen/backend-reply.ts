import { AsrStreamResponseSchema, ErrorResponseSchema, type Segment } from '@earshot/shared';

/** How far the backend's recognition of the recording trails its audio, as its reply says. */
export interface Backlog {
  /** Recognition had not caught up when it answered (queued, running, or dropped under load). */
  behind: boolean;
  /** Seconds of received audio not yet recognized. */
  lagSeconds: number;
}

/** The backend's answer to one chunk. */
export interface StreamReply {
  segments: Segment[];
  backlog: Backlog;
  /** Dual captions: the spoken language's segments beside the translated `segments`. */
  originalSegments?: Segment[];
}

/** What the uploader should do after one POST /asr/stream attempt. */
export type UploadOutcome =
  | { kind: 'delivered'; reply: StreamReply }
  /** Backend unreachable or not ready yet: keep the chunk and retry later. */
  | { kind: 'unavailable'; reason: string }
  /** The backend cannot continue this recording: start a new one (new id, seq 0). */
  | { kind: 'restart_recording'; reason: string }
  /** The backend refuses this client's audio for good; retrying would not help. */
  | { kind: 'refused'; reason: string };

const RESTART_CODES = new Set([
  'recording_restart_required',
  'session_conflict',
  'undecodable_audio',
  'not_found',
]);

/** The message of an error body, whatever its code. */
function errorMessage(body: unknown): string | undefined {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : undefined;
}

/** Classifies the backend's HTTP answer to one chunk. */
export async function classifyReply(response: Response): Promise<UploadOutcome> {
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = AsrStreamResponseSchema.safeParse(body);
    if (parsed.success) {
      const { segments, behind, lag_seconds, original_segments } = parsed.data;
      return {
        kind: 'delivered',
        reply: {
          segments,
          backlog: { behind: behind === true, lagSeconds: lag_seconds ?? 0 },
          ...(original_segments ? { originalSegments: original_segments } : {}),
        },
      };
    }
    return { kind: 'refused', reason: `The backend sent an unexpected reply (HTTP ${response.status}).` };
  }
  if (response.status === 401) {
    const said = errorMessage(body);
    return {
      kind: 'refused',
      reason: `${said ? `${said} ` : ''}Enter the backend's API key on the Earshot settings page.`,
    };
  }
  const error = ErrorResponseSchema.safeParse(body);
  const code = error.success ? error.data.error.code : undefined;
  const reason = error.success ? error.data.error.message : `The backend answered HTTP ${response.status}.`;
  if (code === 'not_ready' || code === 'too_many_sessions' || response.status === 503)
    return { kind: 'unavailable', reason };
  if ((code && RESTART_CODES.has(code)) || response.status >= 500)
    return { kind: 'restart_recording', reason };
  return { kind: 'refused', reason };
}
