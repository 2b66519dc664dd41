import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AsrModelEntry,
  defaultModelId,
  findModel,
  IncompleteModelDirError,
  listModels,
  resolveModel,
  resolveVadModel,
  type StoreSettings,
  storeSettings,
  UnknownModelError,
  unsuitedDevice,
  verifyModel,
} from '../../src/models';

let cacheDir: string;
let settings: StoreSettings;

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'earshot-cache-'));
  // An endpoint nothing answers on: these tests must not need the network.
  settings = storeSettings({
    ...process.env,
    EARSHOT_CACHE_DIR: cacheDir,
    HF_ENDPOINT: 'http://127.0.0.1:9',
  });
});

afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('storeSettings', () => {
  it('takes the cache from EARSHOT_CACHE_DIR, else XDG_CACHE_HOME/earshot, else ~/.cache/earshot', () => {
    expect(storeSettings({ EARSHOT_CACHE_DIR: '/srv/e', XDG_CACHE_HOME: '/x' }).cacheDir).toBe('/srv/e');
    expect(storeSettings({ XDG_CACHE_HOME: '/x' }).cacheDir).toBe('/x/earshot');
    expect(storeSettings({}).cacheDir).toBe(join(homedir(), '.cache', 'earshot'));
  });

  it('defaults to huggingface.co, online, and reads the token and offline switch', () => {
    expect(storeSettings({})).toMatchObject({ endpoint: 'https://huggingface.co', offline: false });
    expect(storeSettings({}).token).toBeUndefined();
    const custom = storeSettings({
      HF_ENDPOINT: 'https://mirror.example/',
      HF_TOKEN: 'hf_x',
      HF_HUB_OFFLINE: '1',
    });
    expect(custom).toMatchObject({ endpoint: 'https://mirror.example', token: 'hf_x', offline: true });
  });
});

describe('resolveModel', () => {
  it('uses a directory in the Parakeet ONNX layout as-is, int8 files included', async () => {
    const dir = join(cacheDir, 'my-model');
    mkdirSync(dir);
    for (const f of ['encoder-model.int8.onnx', 'decoder_joint-model.int8.onnx', 'vocab.txt']) {
      writeFileSync(join(dir, f), 'x');
    }
    await expect(resolveModel(dir, { allowDownload: false, settings })).resolves.toEqual({
      id: 'my-model',
      dir,
      encoderFile: 'encoder-model.int8.onnx',
      decoderFile: 'decoder_joint-model.int8.onnx',
    });
  });

  it('says which files a model directory lacks', async () => {
    const dir = join(cacheDir, 'half-model');
    mkdirSync(dir);
    writeFileSync(join(dir, 'encoder-model.onnx'), 'x');
    const error = await resolveModel(dir, { allowDownload: false, settings }).catch((e) => e);
    expect(error).toBeInstanceOf(IncompleteModelDirError);
    expect(error.message).toBe(
      `model directory ${dir} is incomplete: missing decoder_joint-model.onnx (or decoder_joint-model.int8.onnx), vocab.txt`,
    );
  });

  it('rejects an id that is neither a model nor a directory, listing the known ids', async () => {
    const error = await resolveModel('parakeet-9000', { allowDownload: true, settings }).catch((e) => e);
    expect(error).toBeInstanceOf(UnknownModelError);
    expect(error.message).toMatch(/^unknown model "parakeet-9000": .*parakeet-tdt-0\.6b-v2, .*tiny-en/);
  });

  it('defaults to the English Parakeet, int8 on the CPU and fp32 on a GPU', () => {
    expect(defaultModelId('cpu')).toBe('parakeet-tdt-0.6b-v2-int8');
    expect(defaultModelId('cuda')).toBe('parakeet-tdt-0.6b-v2');
    expect(defaultModelId('webgpu')).toBe('parakeet-tdt-0.6b-v2');
  });

  it('says which device each variant suits, and refuses fp16 on the CPU before loading it', () => {
    const entry = (id: string) => findModel(id) as AsrModelEntry;
    expect(entry('parakeet-tdt-0.6b-v2-int8').suits).toEqual(['cpu']);
    expect(entry('parakeet-tdt-0.6b-v2').suits).toEqual(['cuda', 'webgpu']);
    expect(entry('whisper-base-fp16')).toMatchObject({
      precision: 'fp16',
      suits: ['cuda', 'webgpu'],
      encoderFile: 'onnx/encoder_model_fp16.onnx',
      decoderFile: 'onnx/decoder_model_merged_fp16.onnx',
    });
    expect(unsuitedDevice(entry('whisper-base-fp16'), 'cpu')).toMatch(
      /^whisper-base-fp16 is an fp16 variant, made for GPUs, .*use --device webgpu or cuda, or whisper-base on the CPU$/,
    );
    expect(unsuitedDevice(entry('whisper-base-fp16'), 'webgpu')).toBeUndefined();
    expect(unsuitedDevice(entry('parakeet-tdt-0.6b-v2'), 'cpu')).toBeUndefined();
  });
});

describe('silero-vad', () => {
  it('is found in EARSHOT_SHARED_DIR without any download, and verifies against its pinned sha256', async () => {
    const path = await resolveVadModel({ allowDownload: false, settings });
    expect(path).toBe(join(settings.sharedDir, 'models', 'silero-vad', 'silero_vad.onnx'));
    const report = await verifyModel('silero-vad', { settings });
    expect(report.files).toEqual([
      {
        file: 'silero_vad.onnx',
        ok: true,
        detail: 'sha256 1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
      },
    ]);
  });

  it('is reported missing, with the cache directory, when no copy is provided', async () => {
    const bare = { ...settings, sharedDir: join(cacheDir, 'no-shared') };
    await expect(resolveVadModel({ allowDownload: false, settings: bare })).rejects.toThrow(
      `missing silero_vad.onnx in ${join(cacheDir, 'models', 'silero-vad')}`,
    );
  });
});

describe('listModels', () => {
  it('lists every model with where it lives and whether it is on disk', async () => {
    const partialDir = join(cacheDir, 'models', 'parakeet-tdt-0.6b-v3-int8');
    mkdirSync(partialDir, { recursive: true });
    writeFileSync(join(partialDir, 'encoder-model.int8.onnx.part'), 'half');
    const models = await listModels(settings);
    const byId = new Map(models.map((m) => [m.id, m]));
    expect([...byId.keys()].sort()).toEqual([
      'canary-180m-flash',
      'canary-180m-flash-int8',
      'canary-1b-v2',
      'canary-1b-v2-int8',
      'parakeet-tdt-0.6b-v2',
      'parakeet-tdt-0.6b-v2-int8',
      'parakeet-tdt-0.6b-v3',
      'parakeet-tdt-0.6b-v3-int8',
      'silero-vad',
      'tiny-canary',
      'tiny-en',
      'whisper-base',
      'whisper-base-fp16',
      'whisper-large-v3-turbo-int8',
      'whisper-small',
      'whisper-small-fp16',
      'whisper-small-int8',
      'whisper-tiny.en',
      'whisper-tiny.en-fp16',
    ]);
    expect(byId.get('parakeet-tdt-0.6b-v2')).toMatchObject({
      precision: 'fp32',
      suits: ['cuda', 'webgpu'],
      state: 'not downloaded',
      source: 'hf:istupakov/parakeet-tdt-0.6b-v2-onnx',
      dir: join(cacheDir, 'models', 'parakeet-tdt-0.6b-v2'),
      missing: ['encoder-model.onnx', 'encoder-model.onnx.data', 'decoder_joint-model.onnx', 'vocab.txt'],
    });
    expect(byId.get('parakeet-tdt-0.6b-v3-int8')?.state).toBe('partial');
    expect(byId.get('silero-vad')).toMatchObject({ state: 'available', precision: null, suits: [] });
    expect(byId.get('tiny-en')?.source).toBe('bundled');
    expect(byId.get('canary-1b-v2')).toMatchObject({
      source: 'hf:istupakov/canary-1b-v2-onnx',
      missing: [
        'encoder-model.onnx',
        'encoder-model.onnx.data',
        'decoder-model.onnx',
        'vocab.txt',
        'config.json',
      ],
    });
  });
});
