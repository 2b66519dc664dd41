import type { AddressInfo } from 'node:net';
import { loadModelRecognizer, type WhisperOptions } from '../engine';
import { resolveModel, streamProgress, VAD_MODEL_ID } from '../models';
import { SpeechActivity } from '../streaming/speech-activity';
import { loadVadChoice } from '../vad-choice';
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
  /** Language and task for Whisper models; refused for Parakeet. */
  whisper?: Pick<WhisperOptions, 'language' | 'task'>;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  idleTimeoutMs?: number;
  /**
   * Voice activity detection: `off`, the `silero-vad` model id, or a directory or file holding
   * `silero_vad.onnx`. Unset, Silero comes from the model store, and a missing model only turns
   * gating off (with a warning); an explicit choice that cannot be loaded stops the start.
   */
  vad?: string;
}

const SERVER_WITHOUT_VAD =
  'Silence and music are sent to the recognizer, and captions become final only when two hypotheses agree.';

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
  const recognizer = await loadModelRecognizer(model, options.device, options.whisper);
  const vad = await loadVadChoice(options.vad, SERVER_WITHOUT_VAD).catch(async (error: unknown) => {
    await recognizer.release();
    throw error;
  });
  try {
    const config: Partial<ServerConfig> = {
      host: options.host,
      port: options.port,
      allowedOrigins: options.allowedOrigins,
      allowedHosts: options.allowedHosts,
    };
    if (options.everyNChunks !== undefined) config.everyNChunks = options.everyNChunks;
    if (options.idleTimeoutMs !== undefined) config.idleTimeoutMs = options.idleTimeoutMs;
    const app = await buildApp({
      recognizer,
      config,
      logger: { level: 'warn' },
      ...(vad ? { createSpeechActivity: () => new SpeechActivity(vad.createStream()) } : {}),
    });
    await app.listen({ host: options.host, port: options.port });
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${urlHost(options.host)}:${port}`;
    process.stdout.write(
      `earshot: serving ${url} model=${recognizer.modelId} device=${recognizer.device} providers=${recognizer.providers.join(',')} vad=${vad ? VAD_MODEL_ID : 'off'}\n`,
    );
    return {
      url,
      async close() {
        await app.close();
        await Promise.all([recognizer.release(), vad?.release()]);
      },
    };
  } catch (error) {
    await Promise.all([recognizer.release(), vad?.release()]);
    throw error;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return hostHeaderName(host);
}
