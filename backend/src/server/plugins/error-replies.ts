import type { ErrorCode } from '@earshot/shared';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { SessionError } from '../../sessions/session-error';
import { errorBody, HttpError } from '../http-error';

const SESSION_ERROR_STATUS: Record<SessionError['code'], number> = {
  recording_restart_required: 409,
  undecodable_audio: 422,
  unsupported_media_type: 415,
  too_many_sessions: 503,
  session_conflict: 409,
};

/** Fastify's own refusals, by its error code, with messages that say what to send instead. */
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
};

/** Every failure leaves as `{error: {code, message}}`; unexpected ones are logged and hidden. */
const errorReplies: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).send(errorBody(error.code, error.message));
    }
    if (error instanceof SessionError) {
      return reply.code(SESSION_ERROR_STATUS[error.code]).send(errorBody(error.code, error.message));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((v) => {
        const field = v.params.issue.path.join('.') || 'body';
        return `${field}: ${v.params.issue.message}`;
      });
      return reply
        .code(400)
        .send(errorBody('bad_request', `invalid ${error.validationContext}: ${problems.join('; ')}`));
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) return reply.code(known[0]).send(errorBody(known[1], known[2](app)));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('bad_request', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('internal_error', 'the server failed to handle this request'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)),
  );
};

export default fp(errorReplies, { name: 'error-replies' });
