import { AsrStreamRequestSchema, AsrStreamResponseSchema, ErrorResponseSchema } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../../http-error';

/** POST /asr/stream: one MediaRecorder chunk in, the recording's new final segments and interim out. */
const asrStreamRoute: FastifyPluginAsyncZod = async (app) => {
  // JSON only: without the text/plain parser, a cross-site "simple" POST cannot reach the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.post(
    '/asr/stream',
    {
      schema: {
        summary:
          'One MediaRecorder chunk of a live recording in, its new captions out (the extension; ISweep)',
        tags: ['Earshot'],
        body: AsrStreamRequestSchema,
        response: {
          200: AsrStreamResponseSchema,
          '4xx': ErrorResponseSchema,
          '5xx': ErrorResponseSchema,
        },
      },
    },
    async (request) => {
      const { audio_b64, ...chunk } = request.body;
      // A stopping worker finishes its recordings but starts none: the load balancer retries elsewhere.
      if (app.draining.active && chunk.seq === 0) {
        throw new HttpError(503, 'not_ready', 'this worker is stopping; send the recording to another');
      }
      const answer = await app.sessions.receive({
        request: chunk,
        bytes: Buffer.from(audio_b64, 'base64'),
      });
      app.usage.liveAudio(request, answer.audioSeconds);
      return {
        segments: answer.segments,
        behind: answer.behind,
        lag_seconds: Math.round(answer.lagSeconds * 1000) / 1000,
        ...(answer.originalSegments ? { original_segments: answer.originalSegments } : {}),
      };
    },
  );
};

export default asrStreamRoute;
