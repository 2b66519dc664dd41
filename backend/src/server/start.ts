import type { AddressInfo } from 'node:net';
import { loadModelRecognizer } from '../engine';
import { resolveModel, streamProgress } from '../models';
import { buildApp } from './app';
import type { ServerConfig } from './config';
import { hostHeaderName } from './plugins/request-guard';

export interface StartServerOptions {
  /** Model id from the registry, or a directory in the Parakeet ONNX layout. */
  model: string;
  /** cpu | auto | cuda | cuda:N */
  device: string;
  host: string;
  port: number;
  everyNChunks?: number;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  idleTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Loads the model and serves it (warming it up, see GET /ready) until `close` is called. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const model = await resolveModel(options.model, {
    allowDownload: true,
    progress: streamProgress(process.stderr),
  });
  const recognizer = await loadModelRecognizer(model, options.device);
  try {
    const config: Partial<ServerConfig> = {
      host: options.host,
      port: options.port,
      allowedOrigins: options.allowedOrigins,
      allowedHosts: options.allowedHosts,
    };
    if (options.everyNChunks !== undefined) config.everyNChunks = options.everyNChunks;
    if (options.idleTimeoutMs !== undefined) config.idleTimeoutMs = options.idleTimeoutMs;
    const app = await buildApp({ recognizer, config, logger: { level: 'warn' } });
    await app.listen({ host: options.host, port: options.port });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${urlHost(options.host)}:${port}`;
    process.stdout.write(
      `earshot: serving ${url} model=${recognizer.modelId} device=${recognizer.device} providers=${recognizer.providers.join(',')}\n`,
    );
    return {
      url,
      async close() {
        await app.close();
        await recognizer.release();
      },
    };
  } catch (error) {
    await recognizer.release();
    throw error;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return hostHeaderName(host);
}
