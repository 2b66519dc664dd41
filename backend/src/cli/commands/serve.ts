import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { defaultModelId } from '../../models';
import type { RunningServer, StartServerOptions } from '../../server/start';
import { type LanguageCliOptions, languageDefaults } from '../language-options';

export interface ServeOptions extends LanguageCliOptions {
  /** Every `--model` given, in order; the first is the default. */
  model?: string[];
  /** Fast model for interims beside the default model's finals. */
  interimModel?: string;
  /** The models the NVIDIA ASR server door calls parakeet and canary. */
  parakeetModel?: string;
  canaryModel?: string;
  device: string;
  host: string;
  port: string;
  everyNChunks?: string;
  /** `off`, `silero-vad`, or a directory or file holding silero_vad.onnx. */
  vad?: string;
  /** Key file; EARSHOT_API_KEYS_FILE when not given. */
  apiKeys?: string;
  insecureNoAuth?: boolean;
  /** Exact Host header values to accept, for a server bound to 0.0.0.0. */
  allowedHost?: string[];
  tlsCert?: string;
  tlsKey?: string;
  /** EARSHOT_BEHIND_PROXY when not given. */
  behindProxy?: boolean;
  /** The proxy's addresses; loopback when not given. */
  proxyAddress?: string[];
  maxUploadMb?: string;
  maxJobs?: string;
  keepJobs?: string;
  /** Cluster mode: the Redis URL, the shared jobs directory and the drain bound. */
  redis?: string;
  jobsDir?: string;
  drainSeconds?: string;
}

function integerIn(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Runs the backend service until SIGINT/SIGTERM, then closes it (ending open sessions cleanly). */
export async function serveCommand(options: ServeOptions): Promise<void> {
  // Port 0 asks the system for a free port; the URL printed at start says which one.
  const port = integerIn('--port', options.port, 0, 65_535);
  const everyNChunks =
    options.everyNChunks === undefined
      ? undefined
      : integerIn('--every-n-chunks', options.everyNChunks, 1, 1000);
  const { startServer } = await import('../../server/start');
  const { expectedDeviceKind } = await import('../../engine/device');
  // Listening for the stop signals before the URL is printed: a SIGTERM right after it would otherwise
  // meet the default action and kill the process without closing anything.
  let server: RunningServer | undefined;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // Still loading: there is nothing to close yet, so stop the way the signal would have.
      if (!server) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // startServer prints the URL, model, device and VAD it serves with once it is ready.
  server = await startServer({
    // An empty EARSHOT_MODEL or EARSHOT_ALLOWED_HOSTS (compose's `${VAR:-}`) means the default.
    models: options.model?.length ? options.model : [defaultModelId(expectedDeviceKind(options.device))],
    ...(options.interimModel !== undefined ? { interimModel: options.interimModel } : {}),
    nvidiaModels: {
      ...(options.parakeetModel ? { parakeet: options.parakeetModel } : {}),
      ...(options.canaryModel ? { canary: options.canaryModel } : {}),
    },
    device: options.device,
    host: options.host,
    port,
    ...(everyNChunks !== undefined ? { everyNChunks } : {}),
    ...(options.vad !== undefined ? { vad: options.vad } : {}),
    languages: languageDefaults(options),
    ...apiKeyOptions(options),
    ...(options.allowedHost?.length ? { allowedHosts: options.allowedHost } : {}),
    ...tlsOptions(options),
    files: fileLimits(options),
    ...clusterOptions(options),
  });
  if (options.tlsCert !== undefined) {
    const running = server;
    // `systemctl reload` (and certbot's deploy hooks) send SIGHUP after a certificate is renewed.
    process.on('SIGHUP', () => {
      running.reloadTls().then(
        () => process.stderr.write('earshot: TLS certificate and key read again\n'),
        (error: unknown) =>
          process.stderr.write(
            `earshot: WARNING: kept the previous TLS certificate: ${(error as Error).message}\n`,
          ),
      );
    });
  }
  await stopped;
  await server.close();
}

function fileLimits(options: ServeOptions): NonNullable<StartServerOptions['files']> {
  return {
    ...(options.maxUploadMb !== undefined
      ? { maxUploadBytes: integerIn('--max-upload-mb', options.maxUploadMb, 1, 1024 * 1024) * 1024 * 1024 }
      : {}),
    ...(options.maxJobs !== undefined
      ? { maxPendingJobs: integerIn('--max-jobs', options.maxJobs, 1, 10_000) }
      : {}),
    ...(options.keepJobs !== undefined
      ? { keepJobSeconds: integerIn('--keep-jobs', options.keepJobs, 1, 30 * 24 * 3600) }
      : {}),
  };
}

function clusterOptions(options: ServeOptions): Pick<StartServerOptions, 'cluster'> {
  const redisUrl = options.redis?.trim() || undefined;
  if (redisUrl === undefined) {
    const stray =
      options.jobsDir !== undefined
        ? '--jobs-dir'
        : options.drainSeconds !== undefined
          ? '--drain-seconds'
          : undefined;
    if (stray)
      throw new Error(`${stray} is a cluster setting; give --redis <url> too (or EARSHOT_REDIS_URL)`);
    return {};
  }
  const jobsDir = options.jobsDir?.trim();
  if (!jobsDir) {
    throw new Error(
      '--redis needs --jobs-dir <dir> (or EARSHOT_JOBS_DIR): a directory every worker can read, where uploaded audio waits for its job',
    );
  }
  return {
    cluster: {
      redisUrl,
      jobsDir: resolve(jobsDir),
      ...(options.drainSeconds !== undefined
        ? { drainMs: integerIn('--drain-seconds', options.drainSeconds, 0, 24 * 3600) * 1000 }
        : {}),
    },
  };
}

function tlsOptions(options: ServeOptions): Pick<StartServerOptions, 'tls' | 'trustedProxies'> {
  const { tlsCert, tlsKey, proxyAddress } = options;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new Error(
      `${tlsCert === undefined ? '--tls-key' : '--tls-cert'} needs ${tlsCert === undefined ? '--tls-cert' : '--tls-key'} too (or EARSHOT_TLS_CERT and EARSHOT_TLS_KEY)`,
    );
  }
  const behindProxy = options.behindProxy === true || envFlag('EARSHOT_BEHIND_PROXY');
  if (proxyAddress && !behindProxy) {
    throw new Error(
      '--proxy-address names the proxy of --behind-proxy (or EARSHOT_BEHIND_PROXY=1); give both',
    );
  }
  const bad = proxyAddress?.find((a) => !isProxyAddress(a));
  if (bad !== undefined) {
    throw new Error(
      `--proxy-address "${bad}" is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal`,
    );
  }
  return {
    ...(tlsCert !== undefined && tlsKey !== undefined ? { tls: { certFile: tlsCert, keyFile: tlsKey } } : {}),
    ...(behindProxy ? { trustedProxies: proxyAddress ?? ['loopback'] } : {}),
  };
}

function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [ip = '', prefix, ...rest] = value.split('/');
  const version = isIP(ip);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (version === 4 ? 32 : 128);
}

function envFlag(name: string): boolean {
  const value = process.env[name]?.trim().toLowerCase();
  if (!value || ['0', 'false', 'no', 'off'].includes(value)) return false;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  throw new Error(`${name} must be 1 or 0 (true/false, yes/no, on/off), got "${process.env[name]}"`);
}

function apiKeyOptions(options: ServeOptions): { apiKeysFile?: string; insecureNoAuth?: boolean } {
  const file = options.apiKeys ?? (process.env.EARSHOT_API_KEYS_FILE?.trim() || undefined);
  return {
    ...(file !== undefined ? { apiKeysFile: file } : {}),
    ...(options.insecureNoAuth ? { insecureNoAuth: true } : {}),
  };
}
