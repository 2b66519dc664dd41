import type { ErrorCode } from '@earshot/shared';

/** A refusal that concerns one session only; the server maps `code` to an HTTP status. */
export class SessionError extends Error {
  constructor(
    readonly code: Extract<
      ErrorCode,
      | 'recording_restart_required'
      | 'undecodable_audio'
      | 'too_many_sessions'
      | 'unsupported_media_type'
      | 'session_conflict'
    >,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
