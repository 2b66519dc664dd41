import type { ErrorCode, ErrorResponse } from '@earshot/shared';

/** A request refused with a specific status and protocol error code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    /** The request field at fault, reported as OpenAI's `param` on /v1. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorResponse {
  return { error: { code, message } };
}

/** OpenAI's error body, which its clients turn into their usual exceptions. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: ErrorCode };
}

export function openAiErrorBody(
  status: number,
  code: ErrorCode,
  message: string,
  param: string | null = null,
): OpenAiErrorBody {
  const type =
    status >= 500 ? 'server_error' : status === 401 ? 'authentication_error' : 'invalid_request_error';
  return { error: { message, type, param, code } };
}
