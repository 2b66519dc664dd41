import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { serve } from '../cli/serve-process.js';
import { tinyWhisperDir } from './whisper-model.js';

const env = { HF_HUB_OFFLINE: '1', EARSHOT_DEBUG: '' };

let modelDir: string;
let dir: string;
let wav: string;

beforeAll(() => {
  modelDir = tinyWhisperDir();
  dir = mkdtempSync(path.join(tmpdir(), 'earshot-whisper-cli-'));
  wav = path.join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, 'the cat is on the water']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('earshot with a Whisper model', () => {
  it('transcribes a file with --model <whisper dir>; the random model babbles and the guards drop it', async () => {
    const run = await runCli(
      ['transcribe', wav, '--model', modelDir, '--device', 'cpu', '--format', 'json'],
      env,
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const transcript = JSON.parse(run.stdout) as { text: string; words: unknown[]; segments: unknown[] };
    expect(transcript).toEqual({ text: '', segments: [], words: [] });
  });

  it('stops at start with --device cuda when CUDA cannot run, saying what to do', async () => {
    const run = await runCli(['transcribe', wav, '--model', modelDir, '--device', 'cuda'], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('CUDA requested but unavailable');
    expect(run.stderr).toContain('pnpm earshot gpu setup');
    expect(run.stdout).toBe('');
  });

  it('names the missing files of a Whisper model that is not downloaded, offline', async () => {
    const run = await runCli(['transcribe', wav, '--model', 'whisper-base'], {
      ...env,
      EARSHOT_CACHE_DIR: path.join(dir, 'empty-cache'),
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('onnx/encoder_model.onnx');
    expect(run.stderr).toContain('pnpm earshot models download whisper-base');
  });

  it('takes --language and --task only where they mean something, refusing the rest in one line', async () => {
    const english = await runCli(['transcribe', wav, '--model', modelDir, '--language', 'en'], env);
    expect(english.code).toBe(0);
    const refusals: [string[], RegExp][] = [
      [['--language', 'de'], /English-only; it cannot take language "de"/],
      [['--task', 'translate'], /English-only/],
      [['--task', 'summarize'], /unknown task "summarize": use transcribe or translate/],
    ];
    for (const [flags, message] of refusals) {
      const run = await runCli(['transcribe', wav, '--model', modelDir, ...flags], env);
      expect(run.code).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
    const parakeet = await runCli(['transcribe', wav, '--model', 'tiny-en', '--language', 'de'], env);
    expect(parakeet.code).not.toBe(0);
    expect(parakeet.stderr).toMatch(
      /^earshot: --language applies only to Whisper and Canary models, and tiny-en is a Parakeet model$/m,
    );
  }, 180_000); // five CLI runs, each loading transformers.js and the model

  it('serves a Whisper model: /health names it, and stops cleanly on SIGTERM', async () => {
    const server = await serve(['--model', modelDir, '--device', 'cpu', '--port', '0'], env);
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      model?: string;
      device?: string;
    };
    expect(health.model).toBe(path.basename(modelDir));
    expect(health.device).toBe('cpu');
    expect(await server.stop()).toBe(0);
  });
});
