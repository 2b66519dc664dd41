import type { ErrorCode } from '@earshot/shared';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AudioFileError } from '../../audio/file-decoder';
import { EngineError } from '../../engine/errors';
import { SessionError } from '../../sessions/session-error';
import { errorBody, HttpError, openAiErrorBody } from '../http-error';
import { ModelPoolError } from '../model-pool';

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

/** Fastify's own refusals, by its error code, with messages that say what to send instead. */
/** Engine refusals of a device (unknown, or a GPU that cannot be had), answered as the request's fault. */
const DEVICE_REFUSALS: readonly ErrorCode[] = ['invalid_device', 'cuda_unavailable', 'webgpu_unavailable'];
/** Engine refusals of a language or translation the model cannot do (a live recording's choice). */
const LANGUAGE_REFUSALS: Record<string, [ErrorCode, string]> = {
  unsupported_language: ['unsupported_language', 'language'],
  translation_unsupported: ['translation_unsupported', 'target_language'],
};

const FASTIFY_ERRORS: Record<string, [number, ErrorCode, (app: FastifyInstance) => string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'unsupported_media_type',
    () => 'send the request body as application/json',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: [
    413,
    'payload_too_large',
    (app) => `the request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`,
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

/**
 * Every failure leaves as `{error: {code, message}}`, or under `/v1` in OpenAI's shape
 * `{error: {message, type, param, code}}` so its clients raise their usual exceptions; unexpected
 * failures are logged and hidden.
 */
const errorReplies: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const refuse = (status: number, code: ErrorCode, message: string, param: string | null = null) =>
      reply
        .code(status)
        .send(
          isOpenAiRoute(request.url)
            ? openAiErrorBody(status, code, message, param)
            : errorBody(code, message),
        );
    if (error instanceof HttpError) return refuse(error.statusCode, error.code, error.message, error.param);
    if (error instanceof AudioFileError) return refuse(400, 'invalid_file', error.message, 'file');
    if (error instanceof SessionError) {
      return refuse(SESSION_ERROR_STATUS[error.code], error.code, error.message);
    }
    if (error instanceof ModelPoolError) {
      return refuse(MODEL_ERROR_STATUS[error.code], error.code, error.message, error.param);
    }
    // A device a model cannot run on, refused before loading with the message a start gives.
    const deviceRefusal = DEVICE_REFUSALS.find((code) => error instanceof EngineError && code === error.code);
    if (deviceRefusal) {
      return refuse(400, deviceRefusal, error.message, 'device');
    }
    const languageRefusal = error instanceof EngineError ? LANGUAGE_REFUSALS[error.code] : undefined;
    if (languageRefusal) return refuse(400, languageRefusal[0], error.message, languageRefusal[1]);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((v) => {
        const field = v.params.issue.path.join('.') || 'body';
        return `${field}: ${v.params.issue.message}`;
      });
      return refuse(400, 'bad_request', `invalid ${error.validationContext}: ${problems.join('; ')}`);
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) return refuse(known[0], known[1], known[2](app));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return refuse(error.statusCode, 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return refuse(500, 'internal_error', 'the server failed to handle this request');
  });

  app.setNotFoundHandler((request) => {
    throw new HttpError(404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
};

function isOpenAiRoute(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
}

export default fp(errorReplies, { name: 'error-replies' });
