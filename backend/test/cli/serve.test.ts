import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';
import { freePort, serve } from './serve-process';

const MODEL_DIR = fileURLToPath(new URL('../fixtures/scripted/level-words', import.meta.url));

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

  it('says loudly that voice activity detection is off when asked to run without it', async () => {
    const server = await serve(['--model', MODEL_DIR, '--port', String(await freePort()), '--vad', 'off']);
    expect(server.stdout).toContain('vad=off');
    expect(lines(server.stderr())).toHaveLength(1);
    expect(server.stderr()).toMatch(
      /^earshot: WARNING: voice activity detection is off: --vad off was given\./,
    );
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
      expect(server.stderr()).toMatch(
        /voice activity detection is off: silero_vad\.onnx is not in .*HF_HUB_OFFLINE=1/,
      );
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

  it('keeps every --model loaded, the first as the default', async () => {
    const server = await serve([
      '--model',
      'tiny-en',
      '--model',
      MODEL_DIR,
      '--port',
      String(await freePort()),
      '--vad',
      'off',
    ]);
    expect(server.stdout).toContain('model=tiny-en also=level-words');
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as {
      data: { id: string; loaded: boolean; default: boolean }[];
    };
    const loaded = list.data.filter((m) => m.loaded).map((m) => [m.id, m.default]);
    expect(loaded).toEqual([
      ['tiny-en', true],
      ['level-words', false],
    ]);
    expect(await server.stop()).toBe(0);
  });

  it('loads --canary-model beside --model for the NVIDIA door, which names the pair at /', async () => {
    const server = await serve([
      '--model',
      'tiny-en',
      '--canary-model',
      MODEL_DIR,
      '--port',
      String(await freePort()),
      '--vad',
      'off',
    ]);
    expect(server.stdout).toContain('model=tiny-en also=level-words canary-model=level-words device=');
    const info = (await (await fetch(`${server.url}/`)).json()) as { models: unknown };
    expect(info.models).toEqual({ parakeet: 'tiny-en', canary: 'level-words' });
    expect(await server.stop()).toBe(0);
  });

  it('loads --interim-model beside --model, warms both up, and names the pair in /health and /status', async () => {
    const server = await serve([
      '--model',
      MODEL_DIR,
      '--interim-model',
      'tiny-en',
      '--port',
      String(await freePort()),
      '--vad',
      'off',
    ]);
    expect(server.stdout).toContain('model=level-words interim-model=tiny-en device=');
    // Ready only once both models went through their warm-up decodes.
    let ready = await fetch(`${server.url}/ready`);
    for (let i = 0; i < 200 && ready.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ready = await fetch(`${server.url}/ready`);
    }
    expect(ready.status).toBe(200);
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ model: 'level-words', interim_model: 'tiny-en' });
    const status = (await (await fetch(`${server.url}/status`)).json()) as {
      defaults: unknown;
      models: { id: string; ready: boolean }[];
    };
    expect(status.defaults).toEqual({ model: 'level-words', interim_model: 'tiny-en' });
    expect(status.models.map((m) => [m.id, m.ready])).toEqual([
      ['level-words', true],
      ['tiny-en', true],
    ]);
    expect(await server.stop()).toBe(0);
  });

  it('stops at start, in one line, when the interim model is unknown', async () => {
    const result = await runCli([
      'serve',
      '--model',
      MODEL_DIR,
      '--interim-model',
      'no-such-model',
      '--port',
      '0',
    ]);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/no-such-model/);
  });

  it('stops at start, in one line, when CUDA is asked for and cannot run', async () => {
    const result = await runCli(['serve', '--model', 'tiny-en', '--device', 'cuda', '--port', '0']);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^earshot: CUDA requested but unavailable: /);
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
