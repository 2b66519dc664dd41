import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';

const MODEL_DIR = fileURLToPath(new URL('../fixtures/scripted/level-words', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Serving {
  url: string;
  stdout: string;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `earshot serve <args>` in a child process, resolved once it prints the URL it serves. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const proc = spawn(process.execPath, [TSX, MAIN, 'serve', ...args], {
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
      const match = /serving (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stdout,
    stderr: () => stderr,
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

describe('earshot serve', () => {
  it('serves the model on the given port, answers /health, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = await serve([
      '--model',
      MODEL_DIR,
      '--device',
      'cpu',
      '--port',
      String(port),
      '--every-n-chunks',
      '2',
    ]);
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    // Silero VAD comes from the provided data folder, so captions are gated by it.
    expect(server.stdout).toContain('vad=silero-vad');

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      model: 'level-words',
      device: 'cpu',
      sessions: 0,
    });

    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toBe('');
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('says loudly that VAD gating is off when asked to run without it', async () => {
    const server = await serve(['--model', MODEL_DIR, '--port', String(await freePort()), '--vad', 'off']);
    expect(server.stdout).toContain('vad=off');
    expect(lines(server.stderr())).toHaveLength(1);
    expect(server.stderr()).toMatch(/^earshot: WARNING: VAD gating is off: --vad off was given\./);
    expect(await server.stop()).toBe(0);
  });

  it('still serves, with a warning that says why and how to fix it, when Silero cannot be had offline', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'earshot-no-vad-'));
    try {
      const server = await serve(['--model', MODEL_DIR, '--port', String(await freePort())], {
        EARSHOT_SHARED_DIR: empty,
        EARSHOT_CACHE_DIR: empty,
        HF_HUB_OFFLINE: '1',
      });
      expect(server.stdout).toContain('vad=off');
      expect(lines(server.stderr())).toHaveLength(1);
      expect(server.stderr()).toMatch(/VAD gating is off: silero_vad\.onnx is not in .*HF_HUB_OFFLINE=1/);
      expect(server.stderr()).toContain('earshot models download silero-vad');
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect(await server.stop()).toBe(0);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('stops at start, in one line, when the VAD it was given cannot be loaded', async () => {
    const result = await runCli(['serve', '--model', MODEL_DIR, '--port', '0', '--vad', '/nonexistent/vad']);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^earshot: Silero VAD model not found at \/nonexistent\/vad/);
  });

  it('refuses a port that is not a port, in one line', async () => {
    const result = await runCli(['serve', '--model', MODEL_DIR, '--port', '80000']);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual(['earshot: --port must be an integer from 0 to 65535, got "80000"']);
  });

  it('says how to get the default model when it is missing and the Hub is off limits', async () => {
    const result = await runCli(['serve', '--port', String(await freePort())], {
      HF_HUB_OFFLINE: '1',
      EARSHOT_CACHE_DIR: '/nonexistent/earshot-cache',
    });
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^earshot: model parakeet-tdt-0\.6b-v2-int8 is not downloaded \(HF_HUB_OFFLINE=1/,
    );
    expect(result.stderr).toContain('--model tiny-en');
  });
});
