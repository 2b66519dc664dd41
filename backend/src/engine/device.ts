import * as ort from 'onnxruntime-node';
import { missingCudaProviderLibraries, onnxRuntimeBinaryDir } from './cuda.js';
import { parseDevice } from './device-request.js';
import { CudaUnavailableError, ModelLoadError } from './errors.js';

export { isDeviceRequest, type ParsedDevice, parseDevice } from './device-request.js';

export interface DeviceSessions<K extends string> {
  /** What was actually used: `cpu` or `cuda:N`. */
  device: string;
  /** Execution providers registered on every session, in priority order (CPU runs what CUDA cannot). */
  providers: string[];
  sessions: Record<K, ort.InferenceSession>;
}

export interface OpenSessionsOptions {
  /** Receives the single warning line when `auto` ends up on the CPU. Defaults to console.warn. */
  warn?: (line: string) => void;
  /** Folder checked for the CUDA provider libraries; defaults to onnxruntime-node's binary folder. */
  cudaLibraryDir?: string;
  intraOpNumThreads?: number;
}

/** Per model file: sessions run one call at a time on few data (a decoder step) want one thread. */
export type SessionThreads<K extends string> = Partial<Record<K, number>>;

/**
 * Opens one session per model file on the requested device. `cuda` either gets CUDA for every
 * session or throws CudaUnavailableError; `auto` tries CUDA only when its libraries are installed
 * and otherwise uses the CPU after one loud warning. Nothing falls back silently.
 */
export async function openSessions<K extends string>(
  request: string,
  modelFiles: Record<K, string>,
  options: OpenSessionsOptions = {},
  threads: SessionThreads<K> = {},
): Promise<DeviceSessions<K>> {
  const parsed = parseDevice(request);
  const warn = options.warn ?? ((line: string) => console.warn(line));
  const cpu = () => createAll(modelFiles, ['cpu'], options, threads);

  if (parsed.kind === 'cpu') return { device: 'cpu', providers: ['cpu'], sessions: await cpu() };

  const deviceId = parsed.kind === 'cuda' ? parsed.deviceId : 0;
  const missing = missingCudaProviderLibraries(options.cudaLibraryDir ?? onnxRuntimeBinaryDir());
  let reason: string;
  if (missing.length > 0) {
    reason = librariesMissing(missing);
    if (parsed.kind === 'cuda') throw new CudaUnavailableError(reason);
  } else {
    try {
      const sessions = await createAll(modelFiles, [{ name: 'cuda', deviceId }, 'cpu'], options, threads);
      return { device: `cuda:${deviceId}`, providers: ['cuda', 'cpu'], sessions };
    } catch (error) {
      reason = `creating a CUDA session on GPU ${deviceId} failed (${firstLine(error)})`;
      if (parsed.kind === 'cuda') throw new CudaUnavailableError(reason, { cause: error });
    }
  }
  warn(
    `WARNING: device "auto" is running speech recognition on the CPU because ${reason}. Run \`pnpm earshot gpu setup\` to use an NVIDIA GPU, or pass --device cpu to silence this warning.`,
  );
  return { device: 'cpu', providers: ['cpu'], sessions: await cpu() };
}

/**
 * Refuses an explicit CUDA request whose provider libraries are not installed, with the message a
 * start would give, before any model file is read (a server checks this before accepting a load).
 */
export function checkDevice(request: string, cudaLibraryDir: string = onnxRuntimeBinaryDir()): void {
  if (parseDevice(request).kind !== 'cuda') return;
  const missing = missingCudaProviderLibraries(cudaLibraryDir);
  if (missing.length > 0) throw new CudaUnavailableError(librariesMissing(missing));
}

function librariesMissing(missing: readonly string[]): string {
  return `ONNX Runtime's CUDA provider libraries are not installed (missing ${missing.join(', ')})`;
}

async function createAll<K extends string>(
  modelFiles: Record<K, string>,
  executionProviders: ort.InferenceSession.ExecutionProviderConfig[],
  options: OpenSessionsOptions,
  threads: SessionThreads<K>,
): Promise<Record<K, ort.InferenceSession>> {
  const created: Partial<Record<K, ort.InferenceSession>> = {};
  const onCpuOnly = executionProviders.length === 1;
  try {
    for (const [key, file] of Object.entries(modelFiles) as [K, string][]) {
      const intraOpNumThreads = threads[key] ?? options.intraOpNumThreads;
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
        });
      } catch (error) {
        if (!onCpuOnly) throw error;
        throw new ModelLoadError(`Cannot load ONNX model ${file}: ${firstLine(error)}`, { cause: error });
      }
    }
  } catch (error) {
    await Promise.all(Object.values<ort.InferenceSession | undefined>(created).map((s) => s?.release()));
    throw error;
  }
  return created as Record<K, ort.InferenceSession>;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}
