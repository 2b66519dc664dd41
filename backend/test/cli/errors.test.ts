import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';

// Failures a user can cause; each must be one readable line on stderr and a non-zero exit.
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-errors-'));
  writeFileSync(join(dir, 'notes.txt'), 'not audio at all\n');
  // An empty cache and no network: the default model is certainly not there.
  env = { EARSHOT_CACHE_DIR: join(dir, 'cache'), HF_HUB_OFFLINE: '1', EARSHOT_DEBUG: '' };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectOneLineFailure(args: string[], pattern: RegExp) {
  const result = await runCli(args, env);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  expect(lines(result.stderr)).toHaveLength(1);
  expect(result.stderr).toMatch(/^earshot: /);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  return result.stderr;
}

describe('earshot command line failures', () => {
  it('rejects an unknown model id, naming the ones that exist', async () => {
    await expectOneLineFailure(
      ['transcribe', join(dir, 'notes.txt'), '--model', 'parakeet-xl'],
      /unknown model "parakeet-xl": .*tiny-en/,
    );
  });

  it('says a missing file is missing', async () => {
    await expectOneLineFailure(
      ['transcribe', join(dir, 'nope.wav'), '--model', 'tiny-en'],
      /file not found: .*nope\.wav/,
    );
  });

  it('explains how to get the default model when it is not downloaded', async () => {
    const message = await expectOneLineFailure(
      ['transcribe', join(dir, 'notes.txt')],
      /model parakeet-tdt-0\.6b-v2-int8 is not downloaded/,
    );
    expect(message).toContain('pnpm earshot models download parakeet-tdt-0.6b-v2-int8');
    expect(message).toContain('--model tiny-en');
    expect(message).toContain(join(dir, 'cache', 'models', 'parakeet-tdt-0.6b-v2-int8'));
  });

  it('rejects an unknown device and an unknown format', async () => {
    await expectOneLineFailure(['transcribe', join(dir, 'notes.txt'), '--device', 'gpu'], /device "gpu"/);
    await expectOneLineFailure(
      ['transcribe', join(dir, 'notes.txt'), '--format', 'docx'],
      /unknown format "docx"/,
    );
  });

  it('reports a mistyped command in one line', async () => {
    const message = await expectOneLineFailure(['transcibe', 'x.wav'], /unknown command 'transcibe'/);
    expect(message).toContain('Did you mean transcribe?');
  });

  it('shows the stack only when EARSHOT_DEBUG=1', async () => {
    const result = await runCli(['transcribe', join(dir, 'notes.txt'), '--model', 'parakeet-xl'], {
      ...env,
      EARSHOT_DEBUG: '1',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^earshot: unknown model/);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});
