import { AsrStreamResponseSchema, ErrorResponseSchema, type Segment } from '@earshot/shared';

/** What the uploader should do after one POST /asr/stream attempt. */
export type UploadOutcome =
  | { kind: 'delivered'; segments: Segment[] }
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

/** Classifies the backend's HTTP answer to one chunk. */
export async function classifyReply(response: Response): Promise<UploadOutcome> {
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    const parsed = AsrStreamResponseSchema.safeParse(body);
    if (parsed.success) return { kind: 'delivered', segments: parsed.data.segments };
    return { kind: 'refused', reason: `The backend sent an unexpected reply (HTTP ${response.status}).` };
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
