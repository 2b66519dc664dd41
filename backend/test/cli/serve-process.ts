import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// tsx's loader in the server's own process: the tsx command would run it in a child and relay SIGTERM,
// and on a busy machine it gives the child only 30 ms to take the signal before killing it.
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

let child: ChildProcess | undefined;

// A test that did not stop its server gets a SIGTERM and is waited for, so it closes cleanly.
afterEach(async () => {
  const proc = child;
  child = undefined;
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }
});

export { freePort } from '../free-port';

export interface Serving {
  url: string;
  pid: number;
  stdout: string;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `earshot serve <args>` in a child process, resolved once it prints the URL it serves. */
export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const proc = spawn(process.execPath, ['--import', TSX_LOADER, MAIN, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      const match = /serving (https?:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: proc.pid ?? 0,
    stdout,
    stderr: () => stderr,
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}
