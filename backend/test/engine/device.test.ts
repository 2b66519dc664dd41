import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CUDA_PROVIDER_LIBRARIES,
  cudaInstallCommand,
  missingCudaProviderLibraries,
} from '../../src/engine/cuda.js';
import { parseDevice } from '../../src/engine/device.js';
import { CudaUnavailableError, InvalidDeviceError } from '../../src/engine/errors.js';
import { ParakeetRecognizer } from '../../src/engine/parakeet.js';
import { probeWebGpu } from '../../src/engine/webgpu.js';

const MODEL_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/tdt-durations',
);
const cudaInstalled = missingCudaProviderLibraries().length === 0;
// `auto` takes a hardware WebGPU adapter where one works; on a machine without one it ends on the CPU.
const webGpu = probeWebGpu();
const gpuForAuto = cudaInstalled || (webGpu.available && !webGpu.software);
const released: ParakeetRecognizer[] = [];
afterAll(async () => {
  await Promise.all(released.map((r) => r.release()));
});

async function load(device: string, extra: { cudaLibraryDir?: string } = {}) {
  const warnings: string[] = [];
  const recognizer = await ParakeetRecognizer.load({
    modelDir: MODEL_DIR,
    modelId: 'scripted',
    device,
    warn: (line) => warnings.push(line),
    ...extra,
  });
  released.push(recognizer);
  return { recognizer, warnings };
}

async function transcript(recognizer: ParakeetRecognizer): Promise<string | undefined> {
  const stream = recognizer.createStream();
  stream.acceptWaveform(new Float32Array(16 * 1280));
  await recognizer.decode([stream]);
  return stream.result?.text;
}

describe('device requests', () => {
  it('accepts cpu, auto, cuda, cuda:N and webgpu and rejects anything else with the accepted forms', () => {
    expect(parseDevice('cpu')).toEqual({ kind: 'cpu' });
    expect(parseDevice('AUTO')).toEqual({ kind: 'auto' });
    expect(parseDevice('cuda')).toEqual({ kind: 'cuda', deviceId: 0 });
    expect(parseDevice('cuda:2')).toEqual({ kind: 'cuda', deviceId: 2 });
    expect(parseDevice('WebGPU')).toEqual({ kind: 'webgpu' });
    for (const bad of ['gpu', 'cuda:', 'cuda:x', 'cuda:-1', 'webgpu:', 'vulkan', '']) {
      expect(() => parseDevice(bad)).toThrow(InvalidDeviceError);
    }
    expect(() => parseDevice('gpu')).toThrow(/use cpu, auto, cuda, cuda:N \(N = GPU index\) or webgpu\.$/);
  });

  it('refuses an adapter index for webgpu, saying why and how to pick another GPU', () => {
    const refusal = (() => {
      try {
        parseDevice('webgpu:1');
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refusal).toBeInstanceOf(InvalidDeviceError);
    expect(refusal?.message).toMatch(
      /^Unknown device "webgpu:1": WebGPU takes no adapter index: .*VK_DRIVER_FILES/,
    );
    expect(refusal?.message).not.toContain('\n');
  });

  it('runs on cpu without warnings and reports the CPU provider', async () => {
    const { recognizer, warnings } = await load('cpu');
    expect(recognizer.device).toBe('cpu');
    expect(recognizer.providers).toEqual(['cpu']);
    expect(warnings).toEqual([]);
    expect(await transcript(recognizer)).toBe('cat dogs');
  });

  it.skipIf(cudaInstalled)(
    'fails fast on cuda without the provider libraries, naming the setup command',
    async () => {
      for (const device of ['cuda', 'cuda:1']) {
        const started = performance.now();
        const failure = await load(device).catch((error: unknown) => error);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(failure).toBeInstanceOf(CudaUnavailableError);
        expect((failure as Error).message).toContain('pnpm earshot gpu setup');
        expect((failure as Error).message).toContain('libonnxruntime_providers_cuda.so');
      }
    },
  );

  it.skipIf(gpuForAuto)('resolves auto to the CPU with exactly one warning saying why', async () => {
    const { recognizer, warnings } = await load('auto');
    expect(recognizer.device).toBe('cpu');
    expect(recognizer.providers).toEqual(['cpu']);
    expect(recognizer.accelerator).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^WARNING: .*on the CPU because .*CUDA: .*CUDA provider libraries are not installed.*; WebGPU: /,
    );
    expect(warnings[0]).toContain('pnpm earshot gpu setup');
    expect(await transcript(recognizer)).toBe('cat dogs');
  });

  describe.skipIf(gpuForAuto)('when the CUDA libraries are present but CUDA cannot start', () => {
    // Files with the provider libraries' names pass the presence check; ONNX Runtime then really
    // tries to register the CUDA provider and fails, as it would on a machine without a GPU.
    const fakeLibraries = mkdtempSync(path.join(os.tmpdir(), 'earshot-cuda-'));
    for (const name of CUDA_PROVIDER_LIBRARIES) writeFileSync(path.join(fakeLibraries, name), '');
    afterAll(() => rmSync(fakeLibraries, { recursive: true, force: true }));

    it('cuda reports the session failure instead of falling back', async () => {
      const failure = await load('cuda', { cudaLibraryDir: fakeLibraries }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CudaUnavailableError);
      expect((failure as Error).message).toMatch(/creating a CUDA session on GPU 0 failed/);
      expect((failure as Error).message).toContain('pnpm earshot gpu setup');
    });

    it('auto falls back to the CPU with one warning naming the failure', async () => {
      const { recognizer, warnings } = await load('auto', { cudaLibraryDir: fakeLibraries });
      expect(recognizer.providers).toEqual(['cpu']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/creating a CUDA session on GPU 0 failed/);
      expect(await transcript(recognizer)).toBe('cat dogs');
    });
  });

  it("installs CUDA providers with onnxruntime-node's own installer, CUDA 12 flavour", () => {
    const { command, args } = cudaInstallCommand();
    expect(command).toBe(process.execPath);
    expect(args[1]).toBe('--onnxruntime-node-install=cuda12');
    expect(existsSync(args[0] ?? '')).toBe(true);
    expect(path.basename(args[0] ?? '')).toBe('install.js');
  });
});
