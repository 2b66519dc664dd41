import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { UPLOAD_FILE_DESCRIPTION } from '../upload-form';

export interface OpenApiOptions {
  version: string;
}

/** Where the interactive docs are served; they and the document stay open when keys are on. */
export const DOCS_PREFIX = '/docs';
export const OPENAPI_PATH = '/openapi.json';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0] & { route?: { websocket?: boolean } };

/**
 * Route schemas into the document: zod schemas as JSON Schema (fastify-type-provider-zod), a route's
 * `multipart` form as a multipart/form-data body whose `file` is binary, and WebSocket routes (which
 * @fastify/websocket hides) as the GET that upgrades.
 */
function transform(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  if (!input.schema) return jsonSchemaTransform(input);
  const { multipart, ...rest } = input.schema;
  if (input.route?.websocket) {
    const { hide: _hidden, ...shown } = rest as typeof rest & { hide?: boolean };
    const transformed = jsonSchemaTransform({ url: input.url, schema: shown });
    const upgraded = { description: 'Switching Protocols: the connection is a WebSocket from here on' };
    return { ...transformed, schema: { ...transformed.schema, response: { 101: upgraded } } };
  }
  const transformed = jsonSchemaTransform({ ...input, schema: rest });
  if (!multipart) return transformed;
  const form = jsonSchemaTransform({ url: input.url, schema: { body: multipart } }).schema as {
    body: { properties: Record<string, unknown>; required?: string[]; additionalProperties?: boolean };
  };
  form.body.properties.file = { type: 'string', format: 'binary', description: UPLOAD_FILE_DESCRIPTION };
  form.body.required = ['file', ...(form.body.required ?? [])];
  // Fields a door does not read are ignored, as the services it stands for ignore them.
  delete form.body.additionalProperties;
  return {
    ...transformed,
    schema: { ...transformed.schema, body: form.body, consumes: ['multipart/form-data'] },
  };
}

/**
 * One OpenAPI 3 document of every route, generated from the route schemas (@fastify/swagger), at
 * `GET /openapi.json`, and Swagger UI over it at `GET /docs`. Registered before the routes, which it
 * collects as they are added.
 */
const openApiPlugin: FastifyPluginAsync<OpenApiOptions> = async (app, { version }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Earshot speech server',
        version,
        description:
          'Live captions and transcripts computed locally. Besides its own routes it answers the APIs of ' +
          'the services it replaces: OpenAI audio and Realtime, the Reverb ASR service, the NVIDIA ASR ' +
          'server, the MVP STT stack and the realtime STT server, all over one model pool and queue.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API key from the key file, when the server runs with --api-keys',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: 'This OpenAPI document',
        tags: ['Earshot'],
        security: [],
      },
    },
    async () => app.swagger(),
  );
};

export default fp(openApiPlugin, { name: 'openapi' });
