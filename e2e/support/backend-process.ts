import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { type HealthResponse, HealthResponseSchema } from '@earshot/shared';
import { REPO_ROOT } from './paths';

/** The model every e2e backend serves; EARSHOT_E2E_MODEL runs the suite against another model id or directory. */
export const E2E_MODEL = process.env.EARSHOT_E2E_MODEL ?? 'tiny-en';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * The real Earshot backend (`pnpm earshot serve`) on a port of its own, so tests never talk to a
 * backend the user runs. It can be killed and started again on the same port.
 */
export class BackendProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly port: number,
    private readonly model = E2E_MODEL,
    /** More `earshot serve` options and environment, e.g. an API key file. */
    private readonly extra: { args?: string[]; env?: Record<string, string> } = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    if (this.child) throw new Error('backend already running');
    this.output = '';
    const child = spawn(
      'pnpm',
      [
        ...['earshot', 'serve', '--model', this.model, '--device', 'cpu', '--port', String(this.port)],
        ...(this.extra.args ?? []),
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...this.extra.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const keep = (data: Buffer) => {
      this.output = (this.output + data.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`backend exited while starting:\n${this.output}`);
      if (await this.healthy()) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await this.kill();
    throw new Error(`backend did not become healthy within ${timeoutMs / 1000} s:\n${this.output}`);
  }

  async health(): Promise<HealthResponse> {
    const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
    return HealthResponseSchema.parse(await response.json());
  }

  async healthy(): Promise<boolean> {
    return this.health().then(
      () => true,
      () => false,
    );
  }

  /** Ends the whole process group at once (pnpm, tsx and node), like a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const pid = child.pid;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const send = (s: NodeJS.Signals) => {
      try {
        process.kill(-pid, s);
      } catch {
        // Already gone.
      }
    };
    send(signal);
    const forced = setTimeout(() => send('SIGKILL'), 5000);
    await exited;
    // The wrapper can exit before the node server it started, which may still be writing its cache.
    while (groupAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
    clearTimeout(forced);
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }
}

/** Whether any process of the group led by `pid` is still running. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
