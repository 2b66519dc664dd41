import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { runCli } from '../cli/run-cli';
import { freePort } from '../free-port';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const SHIPPED_HAPROXY = fileURLToPath(new URL('../../../deploy/haproxy/earshot.cfg', import.meta.url));

/** Groups still running; killed if this process exits without stopping them (a failed test run). */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

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
  if (pid) liveGroups.add(pid);
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
      liveGroups.delete(pid);
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

/** Redis, `earshot serve --redis` workers and HAProxy with the shipped config in front, on loopback. */
export interface Cluster {
  /** HAProxy: where clients (and the extension) connect. */
  url: string;
  redis: RunningRedis;
  /** In HAProxy's order: the worker it names `workerN` (its X-Earshot-Worker header) is `workers[N - 1]`. */
  workers: Worker[];
  proxy: GroupProcess;
  /** The directory every worker shares for uploaded job audio. */
  jobsDir: string;
  /** The worker HAProxy names `name` in its X-Earshot-Worker header. */
  worker(name: string): Worker;
  /** Stops every part (workers get SIGTERM and their drain) and removes the cluster's files. */
  stop(): Promise<void>;
}

/**
 * A cluster as docs/cluster.md runs it, on free loopback ports: `count` (1 to 3) workers started with
 * `workerArgs` (the model, …) besides the cluster's own options. Resolves once HAProxy reaches every
 * worker; whatever started is stopped again if a part fails to start.
 */
export async function startCluster(count: number, workerArgs: string[]): Promise<Cluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'earshot-cluster-'));
  const jobsDir = path.join(dir, 'jobs');
  mkdirSync(jobsDir);
  const workers: Worker[] = [];
  let redis: RunningRedis | undefined;
  let proxy: GroupProcess | undefined;
  const stop = async () => {
    await proxy?.stop('SIGTERM');
    await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    await redis?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis(dir);
    const proxyPort = await freePort();
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const cluster = ['--redis', redis.url, '--jobs-dir', jobsDir];
      // The name clients use through the proxy, and the worker's own for direct probes.
      const hosts = ['--allowed-host', `127.0.0.1:${proxyPort},127.0.0.1:${port}`];
      workers.push(await startWorker([...workerArgs, ...cluster, ...hosts], {}, port));
    }
    proxy = startHaproxy(dir, workers, proxyPort);
    const url = `http://127.0.0.1:${proxyPort}`;
    // Up once every worker has answered through it (round-robin for requests without a recording id).
    const seen = new Set<string>();
    await until(
      async () => {
        const response = await fetch(`${url}/ready`);
        const name = response.headers.get('x-earshot-worker');
        if (response.ok && name) seen.add(name);
        return seen.size === count;
      },
      `haproxy to reach every worker: ${proxy.output()}`,
      30_000,
    );
    return {
      url,
      redis,
      workers,
      proxy,
      jobsDir,
      worker(name) {
        const worker = workers[Number(name.replace('worker', '')) - 1];
        if (!worker) throw new Error(`no worker named ${name}`);
        return worker;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The shipped HAProxy config, its addresses from the environment; with fewer than three workers, only their lines. */
function startHaproxy(dir: string, workers: Worker[], port: number): GroupProcess {
  let file = SHIPPED_HAPROXY;
  if (workers.length < 3) {
    file = path.join(dir, 'haproxy.cfg');
    const lines = readFileSync(SHIPPED_HAPROXY, 'utf8').split('\n');
    const kept = lines.filter((line) => {
      const match = /^\s*server worker(\d+) /.exec(line);
      return !match || Number(match[1]) <= workers.length;
    });
    writeFileSync(file, kept.join('\n'));
  }
  return startGroup('haproxy', ['-db', '-f', file], {
    EARSHOT_PROXY_BIND: `127.0.0.1:${port}`,
    EARSHOT_PUBLIC_HOST: `127.0.0.1:${port}`,
    ...Object.fromEntries(workers.map((w, i) => [`EARSHOT_WORKER${i + 1}`, `127.0.0.1:${w.port}`])),
  });
}
