import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
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

describe('earshot serve', () => {
  it('serves the model on the given port, answers /health, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawn(
      process.execPath,
      [
        TSX,
        MAIN,
        'serve',
        '--model',
        MODEL_DIR,
        '--device',
        'cpu',
        '--port',
        String(port),
        '--every-n-chunks',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
    });
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout?.setEncoding('utf8').on('data', (t: string) => {
        stdout += t;
        const match = /serving (http:\/\/\S+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    expect(url).toBe(`http://127.0.0.1:${port}`);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      model: 'level-words',
      device: 'cpu',
      sessions: 0,
    });

    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
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
