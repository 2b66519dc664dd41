import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { runCli } from '../cli/run-cli';
import { freePort } from '../free-port';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** A process started in its own process group, so it and its children (ffmpeg) stop together. */
export interface GroupProcess {
  pid: number;
  /** stdout and stderr together. */
  output(): string;
  stdout(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Signals the whole group; resolves once the leader exited (SIGKILL after `graceMs` if need be). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | string>;
}

export function startGroup(command: string, args: string[], env: NodeJS.ProcessEnv = {}): GroupProcess {
  const child: ChildProcess = spawn(command, args, {
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
    stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  const pid = child.pid ?? 0;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  return {
    pid,
    output: () => output,
    stdout: () => stdout,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      // Children the leader left behind.
      signalGroup('SIGKILL');
      return code;
    },
  };
}

/** Resolves once `check` is true, polling every `everyMs`; throws `what` after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface RunningRedis extends GroupProcess {
  url: string;
}

/** A real redis-server on loopback, keeping nothing on disk. */
export async function startRedis(dir: string): Promise<RunningRedis> {
  const port = await freePort();
  const redis = startGroup('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  const url = `redis://127.0.0.1:${port}`;
  await until(async () => {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }, 'redis-server to answer');
  return { ...redis, url };
}

export interface Worker extends GroupProcess {
  url: string;
  port: number;
}

/** `earshot serve <args>` as a worker, resolved once it prints the URL it serves and is ready. */
export async function startWorker(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  port?: number,
): Promise<Worker> {
  port ??= await freePort();
  const worker = startGroup(
    process.execPath,
    ['--import', TSX_LOADER, MAIN, 'serve', '--port', String(port), ...args],
    env,
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = until(
    async () => (await fetch(`${url}/ready`)).status === 200,
    `worker on port ${port} to be ready`,
    120_000,
    200,
  );
  const died = worker.exited.then((code) => {
    throw new Error(`worker exited with ${code}: ${worker.output()}`);
  });
  await Promise.race([ready, died]);
  died.catch(() => {});
  return { ...worker, url, port };
}

/** Runs the earshot CLI to its end; resolves with its stdout, rejects with its stderr. */
export async function cliOutput(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  if (code !== 0) throw new Error(`earshot ${args.join(' ')} exited with ${code}: ${stderr}`);
  return stdout;
}
