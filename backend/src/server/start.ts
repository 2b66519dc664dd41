import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Cluster, ClusterOptions } from '../cluster';
import type { LanguageDefaults } from '../engine';
import { checkDevice } from '../engine/device';
import type { Recognizer } from '../engine/types';
import { storeSettings, streamProgress, VAD_MODEL_ID } from '../models';
import { usageFile } from '../models/settings';
import { SpeechActivity } from '../streaming/speech-activity';
import { loadVadChoice } from '../vad-choice';
import { ApiKeys, keyFileExposure, keysInClear, readKeyEntries } from './api-keys';
import { buildApp } from './app';
import { checkBinding, isLoopbackHost } from './bind-policy';
import type { ServerConfig } from './config';
import { loadAll, loadFromStore } from './model-loader';
import { hostHeaderName } from './plugins/request-guard';
import { readTlsFiles, type TlsFiles } from './tls-files';

export interface StartServerOptions {
  /**
   * Model ids from the registry, or directories in the Parakeet, Canary or Whisper ONNX layout, to keep
   * loaded; the first is the default. Missing store models are downloaded.
   */
  models: readonly string[];
  /**
   * A fast model (id or directory) that makes the interims of recordings naming no interim model, while
   * the default model makes their finals; loaded beside `models` unless it is one of them.
   */
  interimModel?: string;
  /**
   * The models (ids or directories) the NVIDIA ASR server door names `parakeet` and `canary`, loaded
   * beside `models` unless among them; parakeet defaults to the default model, canary to none.
   */
  nvidiaModels?: { parakeet?: string; canary?: string };
  /** cpu | auto | cuda | cuda:N | webgpu */
  device: string;
  host: string;
  port: number;
  everyNChunks?: number;
  /** Languages for requests that name none (Whisper, Canary); refused for Parakeet. */
  languages?: LanguageDefaults;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  idleTimeoutMs?: number;
  /** Limits of /v1/audio uploads and jobs. */
  files?: Partial<Pick<ServerConfig, 'maxUploadBytes' | 'maxPendingJobs' | 'keepJobSeconds'>>;
  /**
   * Voice activity detection: `off`, the `silero-vad` model id, or a directory or file holding
   * `silero_vad.onnx`. Unset, Silero comes from the model store, and a missing model only turns
   * gating off (with a warning); an explicit choice that cannot be loaded stops the start.
   */
  vad?: string;
  /** JSON file of named bearer keys; with it every route but /health needs a key. */
  apiKeysFile?: string;
  /** Serve beyond loopback without keys, when told so in so many words. */
  insecureNoAuth?: boolean;
  /** Serve HTTPS and WSS with this certificate and key. */
  tls?: TlsFiles;
  /**
   * A TLS proxy in front terminates TLS: its addresses (see BuildAppOptions.trustedProxies), whose
   * X-Forwarded-Host, -For and -Proto are read.
   */
  trustedProxies?: readonly string[];
  /**
   * Serve as one worker of a cluster: file jobs, usage and API keys shared through Redis, uploads in a
   * directory every worker reads, and a stop that drains first (docs/cluster.md).
   */
  cluster?: ClusterOptions;
}

const SERVER_WITHOUT_VAD =
  'Silence and music are sent to the recognizer, and captions become final only when two hypotheses agree.';

export interface RunningServer {
  url: string;
  /** Reads the certificate and key again (after a renewal) for new connections; a no-op without TLS. */
  reloadTls(): Promise<void>;
  close(): Promise<void>;
}

/** Loads the model and serves it (warming it up, see GET /ready) until `close` is called. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  if (options.models.length === 0) throw new Error('give at least one model to serve');
  // Before any model loads: a refusal should cost the user nothing.
  if (options.cluster && options.apiKeysFile !== undefined) {
    throw new Error(
      'with --redis the API keys live in Redis, shared by every worker: add them with earshot keys add <name> --redis <url> instead of --api-keys',
    );
  }
  checkBinding(options.host, {
    // A cluster's keys are in Redis: a worker beyond loopback always asks for one.
    keys: options.apiKeysFile !== undefined || options.cluster !== undefined,
    insecureNoAuth: options.insecureNoAuth === true,
    tls: options.tls !== undefined,
    behindProxy: options.trustedProxies !== undefined,
  });
  checkDevice(options.device);
  const tls = options.tls && (await readTlsFiles(options.tls));
  const keyEntries =
    options.apiKeysFile === undefined ? undefined : await readKeyEntries(options.apiKeysFile);
  // Loaded only for a cluster: a single server never touches Redis or BullMQ.
  const cluster = options.cluster && (await (await import('../cluster')).joinCluster(options.cluster));
  const apiKeys = keyEntries ? new ApiKeys(keyEntries) : cluster && clusterKeys(cluster, options.host);
  const exposure = options.apiKeysFile && (await keyFileExposure(options.apiKeysFile));
  if (exposure) process.stderr.write(`earshot: WARNING: ${exposure}\n`);
  const inClear = keyEntries ? keysInClear(keyEntries) : [];
  if (inClear.length > 0) {
    process.stderr.write(
      `earshot: WARNING: API key file ${options.apiKeysFile} holds ${inClear.length} key(s) in clear text (${inClear.join(', ')}); keep only their hashes: earshot keys hash --file ${options.apiKeysFile}\n`,
    );
  }
  if (!apiKeys && !isLoopbackHost(options.host)) {
    process.stderr.write(
      `earshot: WARNING: serving ${options.host} without API keys (--insecure-no-auth): anyone who can reach it may use it.\n`,
    );
  }
  const { interimModel, nvidiaModels = {} } = options;
  const ids = [...options.models];
  for (const extra of [interimModel, nvidiaModels.parakeet, nvidiaModels.canary]) {
    if (extra !== undefined && !ids.includes(extra)) ids.push(extra);
  }
  const recognizers = await loadAll(loadFromStore, ids, {
    device: options.device,
    progress: streamProgress(process.stderr),
    ...(options.languages ? { languages: options.languages } : {}),
  }).catch(async (error: unknown) => {
    await cluster?.close();
    throw error;
  });
  const [recognizer, ...moreRecognizers] = recognizers as [Recognizer, ...Recognizer[]];
  const servedAs = (idOrDir: string | undefined) =>
    idOrDir === undefined ? undefined : recognizers[ids.indexOf(idOrDir)]?.modelId;
  const interim = interimModel === undefined ? undefined : recognizers[ids.indexOf(interimModel)];
  const roles = { parakeet: servedAs(nvidiaModels.parakeet), canary: servedAs(nvidiaModels.canary) };
  const releaseModels = () => Promise.all(recognizers.map((r) => r.release()));
  const releaseAll = () => Promise.all([releaseModels(), cluster?.close()]);
  const vad = await loadVadChoice(options.vad, SERVER_WITHOUT_VAD).catch(async (error: unknown) => {
    await releaseAll();
    throw error;
  });
  let app: FastifyInstance | undefined;
  try {
    const config: Partial<ServerConfig> = {
      host: options.host,
      port: options.port,
      allowedOrigins: options.allowedOrigins,
      allowedHosts: options.allowedHosts,
      ...options.files,
    };
    if (options.everyNChunks !== undefined) config.everyNChunks = options.everyNChunks;
    if (options.idleTimeoutMs !== undefined) config.idleTimeoutMs = options.idleTimeoutMs;
    app = await buildApp({
      recognizer,
      moreRecognizers,
      ...(interim ? { interimModel: interim.modelId } : {}),
      nvidiaModels: {
        ...(roles.parakeet !== undefined ? { parakeet: roles.parakeet } : {}),
        ...(roles.canary !== undefined ? { canary: roles.canary } : {}),
      },
      config,
      ...(apiKeys ? { apiKeys } : {}),
      usage: cluster ? { store: cluster.usage } : { file: usageFile(storeSettings()) },
      ...(cluster ? { sharedJobs: cluster.jobs } : {}),
      logger: { level: 'warn' },
      ...(tls ? { tls } : {}),
      ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
      ...(vad
        ? {
            createSpeechActivity: () => new SpeechActivity(vad.createStream()),
            createVadStream: () => vad.createStream(),
          }
        : {}),
    });
    await app.listen({ host: options.host, port: options.port });
    const { port } = app.server.address() as AddressInfo;
    const url = `${tls ? 'https' : 'http'}://${urlHost(options.host)}:${port}`;
    process.stdout.write(
      `earshot: serving ${url} model=${recognizer.modelId}${interim ? ` interim-model=${interim.modelId}` : ''}${moreModels(moreRecognizers.filter((r) => r !== interim))}${roles.parakeet ? ` parakeet-model=${roles.parakeet}` : ''}${roles.canary ? ` canary-model=${roles.canary}` : ''} device=${recognizer.device} providers=${recognizer.providers.join(',')} vad=${vad ? VAD_MODEL_ID : 'off'} auth=${authSummary(apiKeys, keyEntries)}${cluster ? ' cluster=redis' : ''}\n`,
    );
    const served = app;
    return {
      url,
      async reloadTls() {
        if (!options.tls) return;
        (served.server as unknown as HttpsServer).setSecureContext(await readTlsFiles(options.tls));
      },
      async close() {
        // The running job and open recordings finish while the models are still there.
        if (cluster) await Promise.all([cluster.stopTakingJobs(), served.draining.drain(cluster.drainMs)]);
        // Models loaded while serving are released by the app; the starting ones after it closed.
        await served.close();
        await Promise.all([releaseAll(), vad?.release()]);
      },
    };
  } catch (error) {
    await app?.close();
    await Promise.all([releaseAll(), vad?.release()]);
    throw error;
  }
}

/**
 * A cluster's keys ask for a key when Redis holds some, or when the worker serves beyond loopback;
 * a loopback cluster without keys is open, as a loopback server without a key file is.
 */
function clusterKeys(cluster: Cluster, host: string): Cluster['keys'] | undefined {
  return cluster.keys.count > 0 || !isLoopbackHost(host) ? cluster.keys : undefined;
}

function authSummary(keys: unknown, fromFile: readonly unknown[] | undefined): string {
  if (!keys) return 'off';
  return fromFile ? `${fromFile.length}-keys` : 'redis-keys';
}

function moreModels(recognizers: readonly Recognizer[]): string {
  return recognizers.length === 0 ? '' : ` also=${recognizers.map((r) => r.modelId).join(',')}`;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return hostHeaderName(host);
}
