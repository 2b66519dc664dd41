import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { clientMemory, webGpuAdapter } from '../../src/engine/gpu-adapter.js';
import { describePlacement, PlacementRecorder } from '../../src/engine/node-placement.js';
import { float16ToFloat32, float32ToFloat16, floatData, floatTensor } from '../../src/engine/onnx-io.js';
import { reverbGpu } from '../../src/server/doors/reverb/health-fields.js';
import { adapterWithMemory } from '../../src/server/status/gpu-report.js';

const SCRIPTED = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/scripted/tdt-durations/encoder-model.onnx',
);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'earshot-gpu-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('node placement from ONNX Runtime profiling', () => {
  it('reads which provider ran each node of a real session, then stops profiling and removes the trace', async () => {
    const recorder = new PlacementRecorder();
    const session = await ort.InferenceSession.create(SCRIPTED, {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      ...recorder.sessionOptions('encoder'),
    });
    const feeds: Record<string, ort.Tensor> = {};
    for (const meta of session.inputMetadata) {
      if (!meta.isTensor) continue;
      const shape = meta.shape.map((d) => (typeof d === 'number' ? d : 4));
      const size = shape.reduce((a, b) => a * b, 1);
      feeds[meta.name] =
        meta.type === 'int64'
          ? new ort.Tensor('int64', new BigInt64Array(size).fill(4n), shape)
          : new ort.Tensor('float32', new Float32Array(size), shape);
    }
    await session.run(feeds);
    const { encoder } = recorder.collect({ encoder: session });
    expect(encoder.nodes).toBeGreaterThan(0);
    expect(encoder.onCpu).toHaveLength(encoder.nodes);
    expect(encoder.copies).toBe(0);
    expect(describePlacement('encoder', encoder)).toMatch(
      new RegExp(`^encoder: ${encoder.nodes} of ${encoder.nodes} nodes on the CPU \\(`),
    );
    await session.run(feeds);
    await session.release();
  });

  it('says when every node ran on the GPU, and counts op types most first', () => {
    expect(describePlacement('encoder', { nodes: 12, onCpu: [], copies: 2 })).toBe(
      'encoder: all 12 nodes on the GPU',
    );
    const onCpu = [
      { name: 'a', op: 'Less' },
      { name: 'b', op: 'LSTM' },
      { name: 'c', op: 'Less' },
    ];
    expect(describePlacement('decoder', { nodes: 30, onCpu, copies: 4 })).toBe(
      'decoder: 3 of 30 nodes on the CPU (Less ×2, LSTM)',
    );
  });
});

/** A /proc/self and /sys as a process holding GPU buffers sees them. */
function fakeMachine(name: string, files: { fd: string; target: string; fdinfo?: string }[]) {
  const root = path.join(scratch, name);
  const proc = path.join(root, 'proc');
  mkdirSync(path.join(proc, 'fd'), { recursive: true });
  mkdirSync(path.join(proc, 'fdinfo'), { recursive: true });
  for (const file of files) {
    symlinkSync(file.target, path.join(proc, 'fd', file.fd));
    writeFileSync(path.join(proc, 'fdinfo', file.fd), file.fdinfo ?? 'pos:\t0\nflags:\t02\n');
  }
  const pci = path.join(root, 'sys', 'bus', 'pci', 'devices');
  for (const [pdev, vendor, device] of [
    ['0000:03:00.0', '0x1002', '0x73bf'],
    ['0000:00:02.0', '0x8086', '0x46a6'],
  ] as const) {
    mkdirSync(path.join(pci, pdev), { recursive: true });
    writeFileSync(path.join(pci, pdev, 'vendor'), `${vendor}\n`);
    writeFileSync(path.join(pci, pdev, 'device'), `${device}\n`);
  }
  writeFileSync(path.join(pci, '0000:03:00.0', 'product_name'), 'AMD Radeon RX 6800\n');
  writeFileSync(path.join(pci, '0000:03:00.0', 'mem_info_vram_total'), `${16 * 1024 ** 3}\n`);
  return { proc, sys: path.join(root, 'sys') };
}

const amdClient = (vram: string) =>
  `pos:\t0\nflags:\t02100002\ndrm-driver:\tamdgpu\ndrm-pdev:\t0000:03:00.0\ndrm-client-id:\t17\ndrm-memory-vram:\t${vram}\ndrm-memory-gtt:\t2048 KiB\ndrm-memory-cpu:\t0 KiB\n`;
const intelClient =
  'pos:\t0\nflags:\t02100002\ndrm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t4\ndrm-total-system0:\t0\ndrm-resident-system0:\t0\n';

describe('the adapter a process computes on, from its open GPU device files', () => {
  it("names the GPU whose kernel driver counts the process holding memory, and reads that memory and the GPU's own", async () => {
    const machine = fakeMachine('amd', [
      { fd: '21', target: '/dev/dri/renderD129', fdinfo: intelClient },
      { fd: '22', target: '/dev/dri/renderD128', fdinfo: amdClient('524288 KiB') },
    ]);
    const report = webGpuAdapter('vulkan', { ...machine, env: {}, pid: 1 });
    expect(report.adapter).toEqual({
      name: 'AMD Radeon RX 6800',
      vendor: 'AMD',
      backend: 'vulkan',
      driver: 'amdgpu',
      software: false,
    });
    expect(await report.memoryUsedBytes()).toBe(512 * 1024 * 1024);
    expect(await report.memoryTotalBytes()).toBe(16 * 1024 ** 3);
  });

  it("gives /health Reverb's gpu field, in MiB, for a GPU in use, and null for a software rasterizer", async () => {
    const onGpu = (report: ReturnType<typeof webGpuAdapter>) => ({
      accelerator: { ...report, placement: {} },
    });
    const amd = onGpu(
      webGpuAdapter('vulkan', {
        ...fakeMachine('reverb-amd', [
          { fd: '22', target: '/dev/dri/renderD128', fdinfo: amdClient('524288 KiB') },
        ]),
        env: {},
        pid: 1,
      }),
    );
    expect(await reverbGpu(amd, await adapterWithMemory(amd))).toEqual({
      name: 'AMD Radeon RX 6800',
      memory_mb: 16 * 1024,
      memory_used_mb: 512,
    });

    const manifest = path.join(scratch, 'reverb_lvp_icd.json');
    writeFileSync(manifest, JSON.stringify({ ICD: { library_path: 'libvulkan_lvp.so' } }));
    const software = onGpu(
      webGpuAdapter('vulkan', {
        ...fakeMachine('reverb-software', [{ fd: '3', target: 'anon_inode:[eventfd]' }]),
        env: { VK_DRIVER_FILES: manifest },
        pid: 1,
      }),
    );
    expect(await reverbGpu(software, await adapterWithMemory(software))).toBeNull();
    expect(await reverbGpu({ accelerator: undefined }, null)).toBeNull();
  });

  it('names both GPUs rather than guess when the kernel does not count memory per client', async () => {
    const bare = (pdev: string, driver: string) => `pos:\t0\ndrm-driver:\t${driver}\ndrm-pdev:\t${pdev}\n`;
    const machine = fakeMachine('uncounted', [
      { fd: '5', target: '/dev/dri/renderD128', fdinfo: bare('0000:03:00.0', 'amdgpu') },
      { fd: '6', target: '/dev/dri/renderD129', fdinfo: bare('0000:00:02.0', 'i915') },
    ]);
    const report = webGpuAdapter('vulkan', { ...machine, env: {}, pid: 1 });
    // The Intel one is named from pci.ids where that list is installed.
    expect(report.adapter.name).toMatch(/^one of AMD Radeon RX 6800, \S/);
    expect(report.adapter.vendor).toBe('AMD or Intel');
    expect(report.adapter.software).toBe(false);
    expect(await report.memoryUsedBytes()).toBeNull();
    expect(await report.memoryTotalBytes()).toBeNull();
  });

  it("takes a process with no GPU device open to be on the software driver the loader's manifests name", async () => {
    const manifest = path.join(scratch, 'lvp_icd.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        ICD: { library_path: '/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so', api_version: '1.4' },
      }),
    );
    const machine = fakeMachine('software', [{ fd: '3', target: 'anon_inode:[eventfd]' }]);
    const report = webGpuAdapter('vulkan', { ...machine, env: { VK_DRIVER_FILES: manifest }, pid: 1 });
    expect(report.adapter).toMatchObject({ vendor: 'Mesa', driver: 'lavapipe', software: true });
    expect(report.adapter.name).toMatch(/^llvmpipe/);
    expect(await report.memoryUsedBytes()).toBeNull();
    expect(await report.memoryTotalBytes()).toBeNull();
  });

  it('counts device-local memory where a GPU has it, else the system memory an integrated one uses', () => {
    const info = (text: string) => new Map(text.split('\n').map((l) => l.split(':\t') as [string, string]));
    expect(clientMemory(info('drm-memory-vram:\t1024 KiB\ndrm-memory-gtt:\t4 MiB'))).toBe(1024 * 1024);
    expect(
      clientMemory(info('drm-total-local0:\t10\ndrm-resident-local0:\t8\ndrm-resident-system0:\t99')),
    ).toBe(8);
    expect(clientMemory(info('drm-total-system0:\t3 MiB\ndrm-resident-system0:\t2 MiB'))).toBe(
      2 * 1024 * 1024,
    );
  });
});

describe('float16 inputs and outputs', () => {
  it('converts to IEEE binary16 with round-to-nearest-even, subnormals and overflow', () => {
    const values = Float32Array.of(1, -2, 0.5, 0.1, 65504, 65520, 2 ** -24, 2 ** -26, 0, Infinity, -Infinity);
    expect(Array.from(float32ToFloat16(values), (h) => h.toString(16))).toEqual([
      '3c00',
      'c000',
      '3800',
      '2e66',
      '7bff',
      '7c00',
      '1',
      '0',
      '0',
      '7c00',
      'fc00',
    ]);
    const back = float16ToFloat32(float32ToFloat16(Float32Array.of(1, -2, 0.1, 2 ** -24, 3.140625)));
    expect(Array.from(back)).toEqual([1, -2, 0.0999755859375, 2 ** -24, 3.140625]);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(Float32Array.of(Number.NaN)))[0])).toBe(true);
  });

  it('builds an input in the type the graph declares and reads either type back as float32', () => {
    const half = floatTensor('float16', Float32Array.of(0.5, 4), [2]);
    expect(half.type).toBe('float16');
    expect(Array.from(floatData(half))).toEqual([0.5, 4]);
    const full = floatTensor('float32', Float32Array.of(0.25), [1]);
    expect(full.type).toBe('float32');
    expect(Array.from(floatData(full))).toEqual([0.25]);
  });
});
