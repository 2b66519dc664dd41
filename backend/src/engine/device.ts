import * as ort from 'onnxruntime-node';
import { missingCudaProviderLibraries, onnxRuntimeBinaryDir } from './cuda.js';
import { parseDevice } from './device-request.js';
import { CudaUnavailableError, ModelLoadError, WebGpuUnavailableError } from './errors.js';
import { type AdapterReport, cudaAdapter, webGpuAdapter } from './gpu-adapter.js';
import { PlacementRecorder } from './node-placement.js';
import { probeWebGpu, webGpuBackend } from './webgpu.js';

export { isDeviceRequest, type ParsedDevice, parseDevice } from './device-request.js';

export interface DeviceSessions<K extends string> {
  /** What was actually used: `cpu`, `cuda:N` or `webgpu`. */
  device: string;
  /** Execution providers registered on every session, in priority order (CPU runs what the GPU cannot). */
  providers: string[];
  sessions: Record<K, ort.InferenceSession>;
  /** On a GPU: the sessions are profiled until `placement.collect` (after a first run) says where nodes ran. */
  gpu?: { placement: PlacementRecorder; adapter: () => AdapterReport };
}

export interface OpenSessionsOptions {
  /** Receives the single warning line when `auto` ends up on the CPU. Defaults to console.warn. */
  warn?: (line: string) => void;
  /** Receives the lines naming the GPU adapter and the nodes left on the CPU. Defaults to console.error. */
  info?: (line: string) => void;
  /** Folder checked for the CUDA provider libraries; defaults to onnxruntime-node's binary folder. */
  cudaLibraryDir?: string;
  intraOpNumThreads?: number;
  /** Outputs, per model file, left in GPU memory for the next session or step to read (WebGPU only). */
  gpuOutputs?: Partial<Record<string, string[]>>;
}

/** Per model file: sessions run one call at a time on few data (a decoder step) want one thread. */
export type SessionThreads<K extends string> = Partial<Record<K, number>>;

/**
 * Opens one session per model file on the requested device. `cuda` and `webgpu` either get their
 * GPU for every session or throw (CudaUnavailableError, WebGpuUnavailableError); `auto` tries CUDA
 * when its libraries are installed, then WebGPU on a hardware adapter, then the CPU, and says in one
 * loud line which it took and why it passed the others over. Nothing falls back silently.
 */
export async function openSessions<K extends string>(
  request: string,
  modelFiles: Record<K, string>,
  options: OpenSessionsOptions = {},
  threads: SessionThreads<K> = {},
): Promise<DeviceSessions<K>> {
  const parsed = parseDevice(request);
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const create = (providers: ort.InferenceSession.ExecutionProviderConfig[], placement?: PlacementRecorder) =>
    createAll(modelFiles, providers, { ...options, threads }, placement);
  const cpu = () => create(['cpu']);

  if (parsed.kind === 'cpu') return { device: 'cpu', providers: ['cpu'], sessions: await cpu() };

  const passedOver: string[] = [];
  if (parsed.kind !== 'webgpu') {
    const deviceId = parsed.kind === 'cuda' ? parsed.deviceId : 0;
    const missing = missingCudaProviderLibraries(options.cudaLibraryDir ?? onnxRuntimeBinaryDir());
    let reason: string;
    if (missing.length > 0) {
      reason = librariesMissing(missing);
      if (parsed.kind === 'cuda') throw new CudaUnavailableError(reason);
    } else {
      const placement = new PlacementRecorder();
      try {
        const sessions = await create([{ name: 'cuda', deviceId }, 'cpu'], placement);
        const gpu = { placement, adapter: () => cudaAdapter(deviceId) };
        return { device: `cuda:${deviceId}`, providers: ['cuda', 'cpu'], sessions, gpu };
      } catch (error) {
        reason = `creating a CUDA session on GPU ${deviceId} failed (${firstLine(error)})`;
        if (parsed.kind === 'cuda') throw new CudaUnavailableError(reason, { cause: error });
      }
    }
    passedOver.push(`CUDA: ${reason}`);
  }

  const probe = probeWebGpu();
  if (!probe.available) {
    if (parsed.kind === 'webgpu') throw new WebGpuUnavailableError(probe.reason);
    passedOver.push(`WebGPU: ${probe.reason}`);
  } else if (parsed.kind === 'auto' && probe.software) {
    passedOver.push(
      'WebGPU: its only adapter is a software rasterizer on the CPU (no GPU driver offered one), slower than the CPU provider',
    );
  } else {
    const placement = new PlacementRecorder();
    try {
      const sessions = await create(['webgpu', 'cpu'], placement);
      if (parsed.kind === 'auto') {
        warn(`device "auto" is running speech recognition on WebGPU (passed over ${passedOver.join('; ')}).`);
      }
      const adapter = () => webGpuAdapter(webGpuBackend());
      return { device: 'webgpu', providers: ['webgpu', 'cpu'], sessions, gpu: { placement, adapter } };
    } catch (error) {
      const reason = `creating a WebGPU session failed (${firstLine(error)})`;
      if (parsed.kind === 'webgpu') throw new WebGpuUnavailableError(reason, { cause: error });
      passedOver.push(`WebGPU: ${reason}`);
    }
  }
  warn(
    `WARNING: device "auto" is running speech recognition on the CPU because no GPU could be used (${passedOver.join('; ')}). Run \`pnpm earshot gpu setup\` to use an NVIDIA GPU through CUDA, install your GPU's Vulkan driver to use it through WebGPU, or pass --device cpu to silence this warning.`,
  );
  return { device: 'cpu', providers: ['cpu'], sessions: await cpu() };
}

/**
 * Refuses an explicit CUDA request whose provider libraries are not installed, with the message a
 * start would give, before any model file is read (a server checks this before accepting a load).
 */
export function checkDevice(request: string, cudaLibraryDir: string = onnxRuntimeBinaryDir()): void {
  const { kind } = parseDevice(request);
  if (kind === 'cuda') {
    const missing = missingCudaProviderLibraries(cudaLibraryDir);
    if (missing.length > 0) throw new CudaUnavailableError(librariesMissing(missing));
  }
  if (kind === 'webgpu') {
    const probe = probeWebGpu();
    if (!probe.available) throw new WebGpuUnavailableError(probe.reason);
  }
}

/**
 * Where a request will run, decided before any model loads (`auto`: CUDA when its libraries are
 * installed, else WebGPU on a hardware adapter, else the CPU), to pick the model variant that suits it.
 */
export function expectedDeviceKind(
  request: string,
  cudaLibraryDir: string = onnxRuntimeBinaryDir(),
): 'cpu' | 'cuda' | 'webgpu' {
  const { kind } = parseDevice(request);
  if (kind !== 'auto') return kind;
  if (missingCudaProviderLibraries(cudaLibraryDir).length === 0) return 'cuda';
  const probe = probeWebGpu();
  return probe.available && !probe.software ? 'webgpu' : 'cpu';
}

function librariesMissing(missing: readonly string[]): string {
  return `ONNX Runtime's CUDA provider libraries are not installed (missing ${missing.join(', ')})`;
}

async function createAll<K extends string>(
  modelFiles: Record<K, string>,
  executionProviders: ort.InferenceSession.ExecutionProviderConfig[],
  options: OpenSessionsOptions & { threads: SessionThreads<K> },
  placement?: PlacementRecorder,
): Promise<Record<K, ort.InferenceSession>> {
  const created: Partial<Record<K, ort.InferenceSession>> = {};
  const onCpuOnly = executionProviders.length === 1;
  const onWebGpu = executionProviders.includes('webgpu');
  try {
    for (const [key, file] of Object.entries(modelFiles) as [K, string][]) {
      const gpuOutputs = onWebGpu ? (options.gpuOutputs?.[key] ?? []) : [];
      const intraOpNumThreads = options.threads[key] ?? options.intraOpNumThreads;
      try {
        created[key] = await ort.InferenceSession.create(file, {
          executionProviders,
          graphOptimizationLevel: 'all',
          // ORT otherwise prints its own error lines to stderr before throwing; we report instead.
          logSeverityLevel: 3,
          ...(intraOpNumThreads ? { intraOpNumThreads } : {}),
          // Spinning keeps a core busy after every run while it waits for the next one: live
          // captions call the models a few times a second, and the spinning cost several times
          // the inference itself (docs/live-cost.md).
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
          ...(gpuOutputs.length > 0
            ? {
                preferredOutputLocation: Object.fromEntries(
                  gpuOutputs.map((name) => [name, 'gpu-buffer' as const]),
                ),
              }
            : {}),
          ...placement?.sessionOptions(key),
        });
      } catch (error) {
        if (!onCpuOnly) throw error;
        throw new ModelLoadError(`Cannot load ONNX model ${file}: ${firstLine(error)}`, { cause: error });
      }
    }
  } catch (error) {
    placement?.abandon(
      Object.values<ort.InferenceSession | undefined>(created).filter((s) => s !== undefined),
    );
    await Promise.all(Object.values<ort.InferenceSession | undefined>(created).map((s) => s?.release()));
    throw error;
  }
  return created as Record<K, ort.InferenceSession>;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}
