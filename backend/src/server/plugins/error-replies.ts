import type { ErrorCode } from '@earshot/shared';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AudioFileError } from '../../audio/file-decoder';
import { EngineError } from '../../engine/errors';
import { SessionError } from '../../sessions/session-error';
import { errorBody, HttpError, openAiErrorBody } from '../http-error';
import { ModelLoadError, ModelPoolError } from '../model-pool';
import { languageRefusal } from '../model-task';

const SESSION_ERROR_STATUS: Record<SessionError['code'], number> = {
  recording_restart_required: 409,
  undecodable_audio: 422,
  unsupported_media_type: 415,
  too_many_sessions: 503,
  session_conflict: 409,
};

const MODEL_ERROR_STATUS: Record<ModelPoolError['code'], number> = {
  model_not_found: 404,
  model_not_loaded: 409,
  model_in_use: 409,
  model_is_default: 409,
  model_loading: 409,
};

/** Engine refusals of a device (unknown, or a GPU that cannot be had), answered as the request's fault. */
const DEVICE_REFUSALS: readonly ErrorCode[] = ['invalid_device', 'cuda_unavailable', 'webgpu_unavailable'];

/** Fastify's own refusals, by its error code, with messages that say what to send instead. */
const FASTIFY_ERRORS: Record<string, [number, ErrorCode, (request: FastifyRequest) => string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'unsupported_media_type',
    () => 'send the request body as application/json',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    'payload_too_large',
    (request) => `the request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes`,
  ],
  // @fastify/multipart's, on the /v1/audio uploads.
  FST_REQ_FILE_TOO_LARGE: [413, 'file_too_large', () => 'the uploaded file is larger than the limit'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [
    400,
    'bad_request',
    () => 'send the request as multipart/form-data with the audio in a `file` field',
  ],
  FST_FILES_LIMIT: [400, 'bad_request', () => 'send exactly one file, in the `file` field'],
  FST_PARTS_LIMIT: [413, 'payload_too_large', () => 'the form has too many fields'],
  FST_FIELDS_LIMIT: [413, 'payload_too_large', () => 'the form has too many fields'],
};

/** A failure as the server answers it, before a door's protocol shapes the body. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  /** The request field at fault. */
  param: string | null;
  /** For a request that failed its schema: each field at fault (its path) and what is wrong with it. */
  fields?: { path: (string | number)[]; message: string; missing: boolean }[];
}

/** What the client is told about a failure; unexpected failures are logged and hidden. */
export function refusalOf(request: FastifyRequest, error: FastifyError): Refusal {
  const refusal = (status: number, code: ErrorCode, message: string, param: string | null = null) => ({
    status,
    code,
    message,
    param,
  });
  if (error instanceof HttpError) return refusal(error.statusCode, error.code, error.message, error.param);
  if (error instanceof AudioFileError) return refusal(400, 'invalid_file', error.message, 'file');
  if (error instanceof SessionError)
    return refusal(SESSION_ERROR_STATUS[error.code], error.code, error.message);
  if (error instanceof ModelPoolError) {
    return refusal(MODEL_ERROR_STATUS[error.code], error.code, error.message, error.param);
  }
  if (error instanceof ModelLoadError) {
    const status = DEVICE_REFUSALS.includes(error.code)
      ? 400
      : error.code === 'model_unavailable'
        ? 503
        : 500;
    return refusal(status, error.code, error.message, 'model');
  }
  // A device a model cannot run on, refused before loading with the message a start gives.
  const deviceRefusal = DEVICE_REFUSALS.find((code) => error instanceof EngineError && code === error.code);
  if (deviceRefusal) return refusal(400, deviceRefusal, error.message, 'device');
  // A language or translation the model cannot do (a live recording's choice).
  const language = languageRefusal(error);
  if (language) return refusal(400, language.code, language.message, language.field);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((v) => ({
      path: [error.validationContext ?? 'body', ...v.params.issue.path],
      message: v.params.issue.message,
      missing: v.params.issue.code === 'invalid_type' && v.params.issue.received === 'undefined',
    }));
    const problems = error.validation.map((v) => {
      const field = v.params.issue.path.join('.') || 'body';
      return `${field}: ${v.params.issue.message}`;
    });
    return {
      ...refusal(400, 'bad_request', `invalid ${error.validationContext}: ${problems.join('; ')}`),
      fields,
    };
  }
  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (known) return refusal(known[0], known[1], known[2](request));
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return refusal(error.statusCode, 'bad_request', error.message);
  }
  request.log.error({ err: error }, 'request failed');
  return refusal(500, 'internal_error', 'the server failed to handle this request');
}

/**
 * Every failure leaves as `{error: {code, message}}`, or under `/v1` in OpenAI's shape
 * `{error: {message, type, param, code}}` so its clients raise their usual exceptions. Doors of
 * other services answer in their own shape (see `answerLikeFastApi`).
 */
const errorReplies: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, code, message, param } = refusalOf(request, error);
    return reply
      .code(status)
      .send(
        isOpenAiRoute(request.url) ? openAiErrorBody(status, code, message, param) : errorBody(code, message),
      );
  });

  app.setNotFoundHandler((request) => {
    throw new HttpError(404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
};

/**
 * Failures of the routes registered in `app` (a door's context) as FastAPI answers them, which the
 * clients of the Python services read: `{"detail": "<message>"}`, and for a request that fails its
 * schema (or lacks its file) 422 with `{"detail": [{"type", "loc", "msg"}]}`.
 */
export function answerLikeFastApi(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const refusal = refusalOf(request, error);
    if (refusal.code === 'missing_file') {
      return reply
        .code(422)
        .send({ detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required' }] });
    }
    if (refusal.status === 422 && refusal.param !== null) {
      return reply
        .code(422)
        .send({ detail: [{ type: 'value_error', loc: ['body', refusal.param], msg: refusal.message }] });
    }
    if (refusal.fields) {
      return reply.code(422).send({
        detail: refusal.fields.map((f) => ({
          type: f.missing ? 'missing' : 'value_error',
          loc: f.path,
          msg: f.missing ? 'Field required' : f.message,
        })),
      });
    }
    return reply.code(refusal.status).send({ detail: refusal.message });
  });
}

function isOpenAiRoute(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
}

export default fp(errorReplies, { name: 'error-replies' });
