import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Recognizer } from '../engine/types';
import type { SpeechActivityFactory } from '../streaming/speech-activity';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from './config';
import corsPlugin from './plugins/cors';
import errorReplies from './plugins/error-replies';
import inferencePlugin from './plugins/inference';
import metricsPlugin from './plugins/metrics';
import requestGuard from './plugins/request-guard';
import sessionsPlugin from './plugins/sessions';
import statusPlugin from './plugins/status';
import asrStreamRoute from './routes/asr-stream';
import healthRoute from './routes/health';
import metricsRoute from './routes/metrics';
import readyRoute from './routes/ready';
import statusRoute from './routes/status';
import { effectiveConfig } from './status/effective-config';

export interface BuildAppOptions {
  recognizer: Recognizer;
  config?: Partial<ServerConfig>;
  logger?: FastifyServerOptions['logger'];
  /** Voice activity detection per recording (Silero); without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
}

const BACKEND_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

/** The HTTP service without a listener: `inject` it in tests, `listen` it in `startServer`. */
export async function buildApp({
  recognizer,
  config,
  logger = false,
  createSpeechActivity,
}: BuildAppOptions): Promise<FastifyInstance> {
  const settings: ServerConfig = { ...DEFAULT_SERVER_CONFIG, ...config };
  const app = Fastify({ logger, bodyLimit: settings.bodyLimit });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorReplies);
  await app.register(requestGuard, {
    host: settings.host,
    port: settings.port,
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
  });
  await app.register(corsPlugin, { allowedOrigins: settings.allowedOrigins });
  await app.register(metricsPlugin);
  await app.register(inferencePlugin, { recognizer });
  await app.register(sessionsPlugin, {
    everyNChunks: settings.everyNChunks,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxSessions: settings.maxSessions,
    createSpeechActivity,
  });
  await app.register(statusPlugin, {
    recognizer,
    version: BACKEND_VERSION,
    config: effectiveConfig(settings, { voiceActivityDetection: createSpeechActivity !== undefined }),
  });
  await app.register(healthRoute, { recognizer, version: BACKEND_VERSION });
  await app.register(readyRoute);
  await app.register(metricsRoute);
  await app.register(statusRoute);
  await app.register(asrStreamRoute);
  return app;
}
