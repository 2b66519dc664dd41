import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  DownloadInProgressError,
  downloadModel,
  ModelUnavailableError,
  resolveModel,
  STALE_LOCK_MS,
  type StoreSettings,
  storeSettings,
  verifyModel,
} from '../../src/models';
import { closedPortUrl, FakeHub } from './fake-hub';

const MODEL = 'parakeet-tdt-0.6b-v2-int8';
const REPO = 'istupakov/parakeet-tdt-0.6b-v2-onnx';

let hub: FakeHub;
let cacheDir: string;
let settings: StoreSettings;
let encoder: Buffer;
let decoder: Buffer;
const vocab = Buffer.from('▁the 0\n▁cat 1\n<blk> 2\n');
const config = Buffer.from(
  '{"model_type":"nemo-conformer-tdt","features_size":128,"subsampling_factor":8}\n',
);
const fast = { retryDelayMs: 10 };

function modelFile(name: string): string {
  return join(cacheDir, 'models', MODEL, name);
}

beforeEach(async () => {
  hub = await new FakeHub(REPO).start();
  encoder = hub.addRandomFile('encoder-model.int8.onnx', 3 * 1024 * 1024 + 17);
  decoder = hub.addRandomFile('decoder_joint-model.int8.onnx', 200_000);
  hub.addFile('vocab.txt', vocab, false);
  hub.addFile('config.json', config, false);
  hub.addRandomFile('encoder-model.onnx', 1000); // fp32 files of the same repo: not wanted by the int8 model
  cacheDir = mkdtempSync(join(tmpdir(), 'earshot-cache-'));
  settings = storeSettings({ EARSHOT_CACHE_DIR: cacheDir, HF_ENDPOINT: hub.hubUrl });
});

afterEach(async () => {
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('downloading a Hub model', () => {
  it('fetches exactly the files the model needs, verified, and records their checksums', async () => {
    const model = await resolveModel(MODEL, { allowDownload: true, settings, ...fast });

    expect(model).toEqual({
      id: MODEL,
      dir: join(cacheDir, 'models', MODEL),
      encoderFile: 'encoder-model.int8.onnx',
      decoderFile: 'decoder_joint-model.int8.onnx',
    });
    expect(readFileSync(join(model.dir, model.encoderFile)).equals(encoder)).toBe(true);
    expect(readFileSync(join(model.dir, model.decoderFile)).equals(decoder)).toBe(true);
    expect(readFileSync(modelFile('vocab.txt')).equals(vocab)).toBe(true);
    expect(readFileSync(modelFile('config.json')).equals(config)).toBe(true);
    expect(existsSync(modelFile('encoder-model.onnx'))).toBe(false);
    expect(readdirSync(model.dir).filter((f) => f.endsWith('.part'))).toEqual([]);

    const report = await verifyModel(MODEL, { settings: { ...settings, offline: true } });
    expect(report.files.map((f) => [f.file, f.ok])).toEqual([
      ['encoder-model.int8.onnx', true],
      ['decoder_joint-model.int8.onnx', true],
      ['vocab.txt', true],
      ['config.json', true],
    ]);

    const before = hub.requests.length;
    await resolveModel(MODEL, { allowDownload: true, settings });
    expect(hub.requests.length).toBe(before);
  });

  it('sends the HF_TOKEN to the Hub but not to the CDN it redirects to', async () => {
    hub.token = 'hf_secret';
    await expect(resolveModel(MODEL, { allowDownload: true, settings, ...fast })).rejects.toThrow(/HF_TOKEN/);

    const withToken = storeSettings({
      EARSHOT_CACHE_DIR: cacheDir,
      HF_ENDPOINT: hub.hubUrl,
      HF_TOKEN: 'hf_secret',
    });
    await resolveModel(MODEL, { allowDownload: true, settings: withToken, ...fast });
    const hubRequests = hub.requests.filter((r) => r.server === 'hub' && r.authorization);
    const cdnRequests = hub.requests.filter((r) => r.server === 'cdn');
    expect(hubRequests.length).toBeGreaterThanOrEqual(3);
    expect(hubRequests.every((r) => r.authorization === 'Bearer hf_secret')).toBe(true);
    expect(cdnRequests.length).toBe(2);
    expect(cdnRequests.some((r) => r.authorization)).toBe(false);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    hub.cutNext.add('encoder-model.int8.onnx');
    const model = await resolveModel(MODEL, { allowDownload: true, settings, ...fast });

    const downloads = hub.requestsFor('encoder-model.int8.onnx').filter((r) => r.server === 'cdn');
    expect(downloads).toHaveLength(2);
    expect(downloads[0]?.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(downloads[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(encoder.length);
    expect(readFileSync(join(model.dir, model.encoderFile)).equals(encoder)).toBe(true);
  });

  it('keeps the partial file when a run gives up, and the next run continues it', async () => {
    hub.cutNext.add('encoder-model.int8.onnx');
    const failed = await resolveModel(MODEL, { allowDownload: true, settings, retries: 0 }).catch((e) => e);
    expect(failed).toBeInstanceOf(ModelUnavailableError);
    const partSize = readFileSync(modelFile('encoder-model.int8.onnx.part')).length;
    expect(partSize).toBeGreaterThan(0);

    await resolveModel(MODEL, { allowDownload: true, settings, ...fast });
    const last = hub.requestsFor('encoder-model.int8.onnx').at(-1);
    expect(last?.range).toBe(`bytes=${partSize}-`);
    expect(readFileSync(modelFile('encoder-model.int8.onnx')).equals(encoder)).toBe(true);
  });

  it('rejects a file whose bytes do not match the listed sha256 and leaves nothing of it behind', async () => {
    hub.corrupt.add('decoder_joint-model.int8.onnx');
    const error = await resolveModel(MODEL, { allowDownload: true, settings, ...fast }).catch((e) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect(error.message).toContain('decoder_joint-model.int8.onnx');
    expect(error.message).toContain(`expected sha256 ${hub.sha256('decoder_joint-model.int8.onnx')}`);
    expect(existsSync(modelFile('decoder_joint-model.int8.onnx'))).toBe(false);
    expect(existsSync(modelFile('decoder_joint-model.int8.onnx.part'))).toBe(false);
  });

  it('finds a small file corrupted after download when verifying', async () => {
    await resolveModel(MODEL, { allowDownload: true, settings, ...fast });
    writeFileSync(modelFile('vocab.txt'), '▁the 0\n▁dog 1\n<blk> 2\n');
    const report = await verifyModel(MODEL, { settings });
    const vocabReport = report.files.find((f) => f.file === 'vocab.txt');
    expect(vocabReport?.ok).toBe(false);
    expect(vocabReport?.detail).toMatch(/corrupt: expected git sha1/);
    expect(report.files.filter((f) => f.ok)).toHaveLength(3);
  });
});

describe('when the model cannot be downloaded', () => {
  function expectOfflineMessage(message: string) {
    expect(message).toContain(`model ${MODEL} is not downloaded`);
    expect(message).toContain('missing encoder-model.int8.onnx, decoder_joint-model.int8.onnx, vocab.txt in');
    expect(message).toContain(join(cacheDir, 'models', MODEL));
    expect(message).toContain(`pnpm earshot models download ${MODEL}`);
    expect(message).toContain('--model tiny-en');
    expect(message).not.toContain('\n');
  }

  it('names the model, the missing files, the directory and the fixes when the endpoint is unreachable', async () => {
    const unreachable = storeSettings({ EARSHOT_CACHE_DIR: cacheDir, HF_ENDPOINT: await closedPortUrl() });
    const error = await resolveModel(MODEL, { allowDownload: true, settings: unreachable }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expectOfflineMessage(error.message);
    expect(error.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('never touches the network with HF_HUB_OFFLINE=1', async () => {
    const offline = storeSettings({
      EARSHOT_CACHE_DIR: cacheDir,
      HF_ENDPOINT: hub.hubUrl,
      HF_HUB_OFFLINE: '1',
    });
    const error = await resolveModel(MODEL, { allowDownload: true, settings: offline }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expectOfflineMessage(error.message);
    expect(error.message).toContain('HF_HUB_OFFLINE=1');
    expect(hub.requests).toEqual([]);
  });

  it('does not download when the caller does not allow it', async () => {
    const error = await resolveModel(MODEL, { allowDownload: false, settings }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expectOfflineMessage(error.message);
    expect(hub.requests).toEqual([]);
  });

  it('says which file the repository lacks', async () => {
    hub.files.delete('vocab.txt');
    await expect(resolveModel(MODEL, { allowDownload: true, settings, ...fast })).rejects.toThrow(
      `${REPO} at main has no file vocab.txt`,
    );
  });

  it('does without config.json when the repository has none (the engine has its defaults)', async () => {
    hub.files.delete('config.json');
    const model = await resolveModel(MODEL, { allowDownload: true, settings, ...fast });
    expect(existsSync(join(model.dir, 'config.json'))).toBe(false);
    const report = await verifyModel(MODEL, { settings });
    expect(report.files.map((f) => f.file)).not.toContain('config.json');
    expect(report.files.every((f) => f.ok)).toBe(true);
    const before = hub.requests.length;
    await resolveModel(MODEL, { allowDownload: true, settings });
    expect(hub.requests.length).toBe(before);
  });
});

describe('a model directory shared between processes', () => {
  it('refuses to download while another live process holds the lock', async () => {
    const dir = join(cacheDir, 'models', MODEL);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.download.lock'), `${process.pid}\n`);
    const error = await resolveModel(MODEL, { allowDownload: true, settings, ...fast }).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadInProgressError);
    expect(error.message).toContain(`already being downloaded by process ${process.pid}`);
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toEqual([]);
  });

  it('takes over a lock left behind by a process that died', async () => {
    const dir = join(cacheDir, 'models', MODEL);
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(join(dir, '.download.lock'), `${dead}\n`);
    await resolveModel(MODEL, { allowDownload: true, settings, ...fast });
    expect(existsSync(join(dir, '.download.lock'))).toBe(false);
    expect(readFileSync(modelFile('encoder-model.int8.onnx')).equals(encoder)).toBe(true);
  });

  // Containers sharing one models volume: each server is process 1 on its own host.
  it('respects a lock held on another host while its holder keeps touching it', async () => {
    const dir = join(cacheDir, 'models', MODEL);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.download.lock'), '1 worker2-container\n');
    const error = await resolveModel(MODEL, { allowDownload: true, settings, ...fast }).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadInProgressError);
    expect(error.message).toContain('already being downloaded by process 1 on host worker2-container');
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toEqual([]);
  });

  it('takes over a lock from another host that nobody touched for longer than a holder would wait', async () => {
    const dir = join(cacheDir, 'models', MODEL);
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, '.download.lock');
    writeFileSync(lock, '1 worker2-container\n');
    const then = new Date(Date.now() - STALE_LOCK_MS - 1_000);
    utimesSync(lock, then, then);
    await resolveModel(MODEL, { allowDownload: true, settings, ...fast });
    expect(existsSync(lock)).toBe(false);
    expect(readFileSync(modelFile('encoder-model.int8.onnx')).equals(encoder)).toBe(true);
  });
});

describe('files put in place by hand', () => {
  beforeEach(() => {
    const dir = join(cacheDir, 'models', MODEL);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'encoder-model.int8.onnx'), encoder);
    writeFileSync(join(dir, 'decoder_joint-model.int8.onnx'), decoder);
    writeFileSync(join(dir, 'vocab.txt'), vocab);
    writeFileSync(join(dir, 'config.json'), config);
  });

  it('are used without asking the network', async () => {
    await resolveModel(MODEL, { allowDownload: true, settings });
    await downloadModel(MODEL, { settings });
    expect(hub.requests).toEqual([]);
  });

  it("are verified against the Hub's listing when online", async () => {
    const report = await verifyModel(MODEL, { settings });
    expect(report.files.every((f) => f.ok)).toBe(true);
  });

  it('cannot be verified offline, and the error says why', async () => {
    await expect(verifyModel(MODEL, { settings: { ...settings, offline: true } })).rejects.toThrow(
      /^cannot verify parakeet-tdt-0\.6b-v2-int8: no checksums were recorded in .* \(HF_HUB_OFFLINE=1 forbids downloads\)$/,
    );
  });
});
