import { readFileSync } from 'node:fs';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Recognizer } from '../engine/types';
import type { JobQueueFactory } from '../files/file-jobs';
import type { FrameClassifier, SpeechActivityFactory } from '../streaming/speech-activity';
import type { KeyRing } from './api-keys';
import { DEFAULT_SERVER_CONFIG, MAX_WEBSOCKET_FRAME_BYTES, type ServerConfig } from './config';
import earshotDoors from './doors/earshot';
import mvpStackDoor from './doors/mvp-stack';
import nvidiaAsrDoor, { type NvidiaModelRoles } from './doors/nvidia-asr';
import openAiDoors from './doors/openai';
import realtimeSttDoor from './doors/realtime-stt';
import reverbDoor from './doors/reverb';
import type { ModelLoader } from './model-loader';
import authPlugin from './plugins/auth';
import corsPlugin from './plugins/cors';
import drainingPlugin from './plugins/draining';
import errorReplies from './plugins/error-replies';
import filesPlugin from './plugins/files';
import metricsPlugin from './plugins/metrics';
import modelsPlugin from './plugins/models';
import openApiPlugin from './plugins/openapi';
import realtimeSessionsPlugin from './plugins/realtime-sessions';
import requestGuard from './plugins/request-guard';
import sessionsPlugin from './plugins/sessions';
import statusPlugin from './plugins/status';
import usagePlugin, { type UsagePluginOptions } from './plugins/usage';
import voiceActivityPlugin from './plugins/voice-activity';
import { effectiveConfig } from './status/effective-config';
import type { TlsCredentials } from './tls-files';

export interface BuildAppOptions {
  /** The default model; it and `moreRecognizers` stay the caller's to release after `close`. */
  recognizer: Recognizer;
  /** Further models kept loaded beside the default, named by requests. */
  moreRecognizers?: readonly Recognizer[];
  /**
   * Id of one of the models that makes the interims of recordings naming no interim model, while the
   * model they name (or the default) makes their finals.
   */
  interimModel?: string;
  /**
   * Which of the served models the NVIDIA ASR server door names `parakeet` and `canary`; absent
   * parakeet is the default model, absent canary is refused there.
   */
  nvidiaModels?: NvidiaModelRoles;
  /** How models are loaded while serving; by default from the model store. */
  loadModel?: ModelLoader;
  config?: Partial<ServerConfig>;
  /** Bearer keys every route but /health needs; without them the server is open (loopback only). */
  apiKeys?: KeyRing;
  /** Where usage per key is kept across restarts; in memory only without a file. */
  usage?: Omit<UsagePluginOptions, 'keysRequired'>;
  /** Where jobs wait when they are shared with other workers (cluster mode). */
  sharedJobs?: { createQueue: JobQueueFactory };
  logger?: FastifyServerOptions['logger'];
  /** Voice activity detection per recording (Silero); without it every window is recognized. */
  createSpeechActivity?: SpeechActivityFactory;
  /**
   * Silero VAD frames: where the speech is in an uploaded file, and realtime sessions' server-side turn
   * detection. Without it files are cut into windows blindly and realtime clients commit.
   */
  createVadStream?: () => FrameClassifier;
  /** Serve HTTPS and WSS with this certificate and key; plain HTTP without. */
  tls?: TlsCredentials;
  /**
   * Addresses of the TLS proxy in front of the server (IPs, CIDR ranges, or `loopback`, `linklocal`,
   * `uniquelocal`): on requests from them the host, client address and scheme come from their
   * X-Forwarded-Host, -For and -Proto headers; those headers from any other peer are ignored.
   */
  trustedProxies?: readonly string[];
}

const BACKEND_VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

/** The HTTP service without a listener: `inject` it in tests, `listen` it in `startServer`. */
export async function buildApp({
  recognizer,
  moreRecognizers = [],
  interimModel,
  nvidiaModels = {},
  loadModel,
  config,
  apiKeys,
  usage,
  logger = false,
  createSpeechActivity,
  createVadStream,
  tls,
  trustedProxies,
  sharedJobs,
}: BuildAppOptions): Promise<FastifyInstance> {
  const settings: ServerConfig = { ...DEFAULT_SERVER_CONFIG, ...config };
  const served = [recognizer, ...moreRecognizers].map((r) => r.modelId);
  for (const [role, id] of Object.entries(nvidiaModels)) {
    if (!served.includes(id)) throw new Error(`the ${role} model ${id} is not among the models served`);
  }
  const app = Fastify({
    logger,
    bodyLimit: settings.bodyLimit,
    trustProxy: trustedProxies ? [...trustedProxies] : false,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorReplies);
  // Before the request guard: a refused upgrade's socket is only closed by this plugin's own hooks.
  await app.register(websocket, { options: { maxPayload: MAX_WEBSOCKET_FRAME_BYTES } });
  await app.register(drainingPlugin);
  await app.register(requestGuard, {
    host: settings.host,
    port: settings.port,
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
  });
  await app.register(corsPlugin, { allowedOrigins: settings.allowedOrigins });
  await app.register(authPlugin, apiKeys ? { keys: apiKeys } : {});
  // Before every route, which it collects into the OpenAPI document as they are added.
  await app.register(openApiPlugin, { version: BACKEND_VERSION });
  await app.register(metricsPlugin);
  await app.register(usagePlugin, { keysRequired: apiKeys !== undefined, ...usage });
  await app.register(modelsPlugin, {
    recognizers: [recognizer, ...moreRecognizers],
    device: recognizer.device,
    ...(interimModel !== undefined ? { interimModel } : {}),
    ...(loadModel ? { loader: loadModel } : {}),
  });
  await app.register(sessionsPlugin, {
    everyNChunks: settings.everyNChunks,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxSessions: settings.maxSessions,
    createSpeechActivity,
  });
  await app.register(realtimeSessionsPlugin, { maxSessions: settings.maxSessions });
  await app.register(statusPlugin, {
    version: BACKEND_VERSION,
    config: effectiveConfig(settings, {
      voiceActivityDetection: createSpeechActivity !== undefined,
      tls: tls !== undefined,
      trustedProxies,
    }),
  });
  await app.register(voiceActivityPlugin, {
    ...(createSpeechActivity ? { createSpeechActivity } : {}),
    ...(createVadStream ? { createVadStream } : {}),
  });
  await app.register(filesPlugin, {
    maxUploadBytes: settings.maxUploadBytes,
    maxPendingJobs: settings.maxPendingJobs,
    keepFinishedSeconds: settings.keepJobSeconds,
    ...(sharedJobs ? { createQueue: sharedJobs.createQueue } : {}),
  });
  // Each family of doors is a folder of thin adapters over the plugins above; a new door is a new folder.
  await app.register(earshotDoors, { version: BACKEND_VERSION });
  await app.register(openAiDoors);
  await app.register(reverbDoor);
  await app.register(mvpStackDoor);
  await app.register(realtimeSttDoor);
  await app.register(nvidiaAsrDoor, { models: nvidiaModels, version: BACKEND_VERSION });
  return app;
}
