import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPortUrl, FakeHub } from '../models/fake-hub';
import { lines, runCli } from './run-cli';

const MODEL = 'parakeet-tdt-0.6b-v3-int8';

let hub: FakeHub;
let cacheDir: string;
let encoder: Buffer;

beforeEach(async () => {
  hub = await new FakeHub('istupakov/parakeet-tdt-0.6b-v3-onnx').start();
  encoder = hub.addRandomFile('encoder-model.int8.onnx', 2 * 1024 * 1024);
  hub.addRandomFile('decoder_joint-model.int8.onnx', 50_000);
  hub.addFile('vocab.txt', Buffer.from('▁hola 0\n<blk> 1\n'), false);
  hub.addFile('config.json', Buffer.from('{"model_type":"nemo-conformer-tdt"}\n'), false);
  cacheDir = mkdtempSync(join(tmpdir(), 'earshot-cli-cache-'));
});

afterEach(async () => {
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('earshot models download / verify', () => {
  it('downloads from HF_ENDPOINT with progress lines on a non-terminal, then verifies and lists it', async () => {
    const env = { EARSHOT_CACHE_DIR: cacheDir, HF_ENDPOINT: hub.hubUrl };
    const download = await runCli(['models', 'download', MODEL], env);
    expect(download.code).toBe(0);
    const dir = join(cacheDir, 'models', MODEL);
    expect(download.stdout).toBe(`${MODEL} is ready in ${dir}\n`);
    expect(lines(download.stderr)).toContain('downloading encoder-model.int8.onnx: 0% 0 B of 2.0 MB');
    expect(lines(download.stderr)).toContain('downloading encoder-model.int8.onnx: 100% 2.0 MB of 2.0 MB');
    expect(readFileSync(join(dir, 'encoder-model.int8.onnx')).equals(encoder)).toBe(true);

    // Verification and listing need no network: the checksums were recorded at download.
    const offline = { EARSHOT_CACHE_DIR: cacheDir, HF_HUB_OFFLINE: '1' };
    const verify = await runCli(['models', 'verify', MODEL], offline);
    expect(verify.code).toBe(0);
    expect(lines(verify.stdout).filter((l) => l.startsWith('ok '))).toHaveLength(4);
    const list = await runCli(['models', 'list'], offline);
    expect(lines(list.stdout).find((l) => l.startsWith(`${MODEL} `))).toMatch(/\savailable\s/);
  });

  it('fails verification in one line when a downloaded file was damaged', async () => {
    const env = { EARSHOT_CACHE_DIR: cacheDir, HF_ENDPOINT: hub.hubUrl };
    expect((await runCli(['models', 'download', MODEL], env)).code).toBe(0);
    rmSync(join(cacheDir, 'models', MODEL, 'vocab.txt'));
    const verify = await runCli(['models', 'verify', MODEL], env);
    expect(verify.code).not.toBe(0);
    expect(verify.stdout).toMatch(/^BAD\s+vocab\.txt\s+missing$/m);
    expect(lines(verify.stderr)).toEqual([
      `earshot: ${MODEL} failed verification (vocab.txt: missing); delete the bad files and run \`pnpm earshot models download ${MODEL}\``,
    ]);
  });

  it('prints the offline message in one line when the endpoint cannot be reached', async () => {
    const env = { EARSHOT_CACHE_DIR: cacheDir, HF_ENDPOINT: await closedPortUrl() };
    const result = await runCli(['models', 'download', MODEL], env);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^earshot: model ${MODEL} is not downloaded \\(cannot reach `));
    expect(result.stderr).toContain('--model tiny-en');
    expect(existsSync(join(cacheDir, 'models', MODEL, 'vocab.txt'))).toBe(false);
  });
});
