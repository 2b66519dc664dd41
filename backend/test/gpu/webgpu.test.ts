// The slow GPU-path tests: ONNX Runtime's WebGPU provider on Mesa's lavapipe, a Vulkan driver that
// computes on the CPU (scripts/setup.sh --for-tests installs it). Every WebGPU context of this file
// is pinned to lavapipe, so a machine with a real GPU runs the same path as CI.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthResponseSchema, StatusResponseSchema } from '@earshot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingCudaProviderLibraries } from '../../src/engine/cuda.js';
import {
  loadRecognizer,
  loadWhisperRecognizer,
  type Recognizer,
  type WhisperOptions,
  type WhisperResult,
} from '../../src/engine/index.js';
import { probeWebGpu } from '../../src/engine/webgpu.js';
import { lines, runCli } from '../cli/run-cli.js';
import { freePort, serve } from '../cli/serve-process.js';
import { concat, silence, speak } from '../engine/speech-audio.js';
import { tinyWhisperDir, tinyWhisperFp16Files } from '../engine/whisper-model.js';

const TINY_EN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/tiny-en');
const NO_DRIVER = { VK_DRIVER_FILES: '/nonexistent/vulkan/icd.d/none.json', VK_ICD_FILENAMES: '' };

function lavapipeManifest(): string | undefined {
  for (const dir of ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d']) {
    const found = existsSync(dir) ? readdirSync(dir).find((f) => /^lvp_icd.*\.json$/.test(f)) : undefined;
    if (found) return path.join(dir, found);
  }
  return undefined;
}

const lavapipe = lavapipeManifest();
if (lavapipe) {
  process.env.VK_DRIVER_FILES = lavapipe;
  delete process.env.VK_ICD_FILENAMES;
}
const probe = lavapipe ? probeWebGpu() : undefined;
const why = !lavapipe
  ? ' [skipped: no lavapipe Vulkan driver; run scripts/setup.sh --for-tests]'
  : probe && !probe.available
    ? ` [skipped: WebGPU on lavapipe unavailable: ${probe.reason}]`
    : '';
const onLavapipe = { VK_DRIVER_FILES: lavapipe ?? '', VK_ICD_FILENAMES: '' };

// Sentences in the voice tiny-en never heard in training (en-us+klatt2), said by espeak-ng.
const HELD_OUT = [
  'my mother and father live near the river',
  'the children play music in the school room',
  'he told a good story to the children',
];

async function decodeBatch(recognizer: Recognizer, inputs: Float32Array[]) {
  const streams = inputs.map((samples) => {
    const stream = recognizer.createStream();
    stream.acceptWaveform(samples);
    return stream;
  });
  await recognizer.decode(streams);
  return streams.map((s) => s.result);
}

describe.skipIf(why !== '')(`WebGPU on lavapipe${why}`, () => {
  const released: Recognizer[] = [];
  afterAll(async () => {
    await Promise.all(released.map((r) => r.release()));
  });

  describe('tiny-en', () => {
    let audio: Float32Array[];
    beforeAll(() => {
      audio = HELD_OUT.map((s, i) => concat(silence(0.2 * i), speak(s, { voice: 'en-us+klatt2' })));
    });

    it('transcribes held-out speech word for word as on the CPU, batched across recordings, naming the adapter and the nodes left on the CPU', async () => {
      const info: string[] = [];
      const gpu = await loadRecognizer({
        modelDir: TINY_EN,
        modelId: 'tiny-en',
        device: 'webgpu',
        info: (line) => info.push(line),
      });
      released.push(gpu);
      const cpu = await loadRecognizer({ modelDir: TINY_EN, modelId: 'tiny-en', device: 'cpu' });
      released.push(cpu);
      expect(gpu.device).toBe('webgpu');
      expect(gpu.providers).toEqual(['webgpu', 'cpu']);
      expect(gpu.accelerator?.adapter).toMatchObject({
        backend: 'vulkan',
        driver: 'lavapipe',
        software: true,
      });
      expect(info[0]).toMatch(/^tiny-en on webgpu: adapter llvmpipe .*software rasterizer on the CPU/);
      for (const part of ['preprocessor', 'encoder', 'decoder']) {
        const placement = gpu.accelerator?.placement[part];
        expect(placement?.nodes).toBeGreaterThan(0);
        expect(info).toContainEqual(expect.stringMatching(new RegExp(`^tiny-en ${part}: `)));
      }
      // Each part copies its inputs up and its outputs down at least once; the rest runs on the GPU.
      expect(gpu.accelerator?.placement.encoder?.copies).toBeGreaterThan(0);

      const onGpu = await decodeBatch(gpu, audio);
      const onCpu = await decodeBatch(cpu, audio);
      expect(onGpu.map((r) => r?.text)).toEqual(onCpu.map((r) => r?.text));
      // The same frames win the greedy search, so word times agree too (40 ms frames).
      onGpu.forEach((result, i) => {
        result?.words.forEach((word, w) => {
          expect(Math.abs(word.start - (onCpu[i]?.words[w]?.start ?? Number.NaN))).toBeLessThan(0.041);
        });
      });
      expect(onCpu.some((r) => (r?.words.length ?? 0) >= 5)).toBe(true);
    });

    it('on auto passes a software-only WebGPU over for the CPU, saying why in one line', async () => {
      const warnings: string[] = [];
      const recognizer = await loadRecognizer({
        modelDir: TINY_EN,
        modelId: 'tiny-en',
        device: 'auto',
        warn: (line) => warnings.push(line),
      });
      released.push(recognizer);
      if (missingCudaProviderLibraries().length === 0) {
        expect(recognizer.device).not.toBe('webgpu');
        return;
      }
      expect(recognizer.device).toBe('cpu');
      expect(recognizer.accelerator).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^WARNING: device "auto" is running speech recognition on the CPU because no GPU could be used \(CUDA: .*; WebGPU: its only adapter is a software rasterizer on the CPU/,
      );
    });
  });

  describe('Whisper (the tiny random-weight model the tests build)', () => {
    const GUARDS_OFF = {
      compressionRatioThreshold: null,
      logProbThreshold: null,
      noSpeechThreshold: null,
      temperatures: [0],
    };
    let speech: Float32Array;
    let modelDir: string;
    beforeAll(() => {
      modelDir = tinyWhisperDir();
      speech = speak('the cat is on the water and we like to read a good book');
    });

    const load = async (device: string, extra: Partial<WhisperOptions> = {}) => {
      const recognizer = await loadWhisperRecognizer({
        modelDir,
        modelId: 'tiny-whisper',
        device,
        maxNewTokens: 10,
        guards: GUARDS_OFF,
        info: () => {},
        ...extra,
      });
      released.push(recognizer);
      return recognizer;
    };
    const tokens = (results: unknown[]) => results.map((r) => (r as WhisperResult).tokens.map((t) => t.id));

    it('decodes a batch on WebGPU, keys and values kept in GPU memory, to the tokens the CPU decodes', async () => {
      const gpu = await load('webgpu');
      expect(gpu.device).toBe('webgpu');
      expect(gpu.accelerator?.placement.encoder?.nodes).toBeGreaterThan(0);
      expect(gpu.accelerator?.placement.decoder?.nodes).toBeGreaterThan(0);
      const windows = [speech, speech.subarray(0, 2 * 16000)];
      const onGpu = await decodeBatch(gpu, windows);
      const onCpu = await decodeBatch(await load('cpu'), windows);
      expect(tokens(onGpu)[0]?.length).toBeGreaterThan(3);
      expect(tokens(onGpu)).toEqual(tokens(onCpu));
      expect(onGpu.map((r) => r?.words.map((w) => w.word))).toEqual(
        onCpu.map((r) => r?.words.map((w) => w.word)),
      );
    });

    it('decodes the fp16 variant (float16 inputs, outputs, keys and values) on WebGPU', async () => {
      const gpu = await load('webgpu', tinyWhisperFp16Files(modelDir));
      const [result] = (await decodeBatch(gpu, [speech])) as WhisperResult[];
      expect(result?.tokens.length).toBeGreaterThan(3);
      expect(result?.words.length).toBeGreaterThan(0);
      expect(Number.isFinite(result?.avgLogProb)).toBe(true);
    });
  });

  describe('the command line and the server', () => {
    it('stops at start in one line, naming the cause and what to install, when no Vulkan driver offers an adapter', async () => {
      const started = performance.now();
      expect(probeWebGpu({ ...process.env, ...NO_DRIVER })).toMatchObject({ available: false });
      expect(performance.now() - started).toBeLessThan(10_000);

      // Any existing file: the device is refused before the file is decoded.
      const file = path.join(TINY_EN, 'README.md');
      const transcribe = await runCli(
        ['transcribe', file, '--model', 'tiny-en', '--device', 'webgpu'],
        NO_DRIVER,
      );
      const served = await runCli(
        ['serve', '--model', 'tiny-en', '--device', 'webgpu', '--port', '0'],
        NO_DRIVER,
      );
      for (const result of [transcribe, served]) {
        expect(result.code).not.toBe(0);
        expect(lines(result.stderr)).toHaveLength(1);
        expect(result.stderr).toMatch(
          /^earshot: WebGPU requested but unavailable: no WebGPU adapter \(No supported adapters\): the Vulkan loader found no driver .*mesa-vulkan-drivers.*or start with --device cpu\.\n$/,
        );
      }
    });

    it('serves on WebGPU and reports the adapter in /health and the nodes left on the CPU in /status', async () => {
      const server = await serve(
        ['--model', 'tiny-en', '--device', 'webgpu', '--port', String(await freePort())],
        onLavapipe,
      );
      expect(server.stdout).toMatch(/ device=webgpu providers=webgpu,cpu /);
      expect(server.stderr()).toMatch(/^tiny-en on webgpu: adapter llvmpipe/m);
      expect(server.stderr()).toMatch(/^tiny-en decoder: \d+ of \d+ nodes on the CPU \(/m);
      const health = HealthResponseSchema.parse(await (await fetch(`${server.url}/health`)).json());
      expect(health).toMatchObject({
        device: 'webgpu',
        providers: ['webgpu', 'cpu'],
        adapter: {
          vendor: 'Mesa',
          backend: 'vulkan',
          driver: 'lavapipe',
          software: true,
          memory_used_bytes: null,
        },
        // Reverb's field names a GPU in use; a rasterizer on the CPU is none.
        gpu: null,
      });
      const status = StatusResponseSchema.parse(await (await fetch(`${server.url}/status`)).json());
      const [model] = status.models;
      expect(model?.adapter?.name).toMatch(/^llvmpipe/);
      expect(Object.keys(model?.placement ?? {}).sort()).toEqual(['decoder', 'encoder', 'preprocessor']);
      for (const part of Object.values(model?.placement ?? {})) {
        expect(part.on_cpu.length).toBeLessThan(part.nodes);
        for (const node of part.on_cpu) expect(node.op).toMatch(/^\w+$/);
      }
      expect(await server.stop()).toBe(0);
    });
  });
});
