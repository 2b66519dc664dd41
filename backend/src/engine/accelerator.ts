import type * as ort from 'onnxruntime-node';
import type { DeviceSessions } from './device.js';
import type { GpuAdapter } from './gpu-adapter.js';
import { describePlacement, type NodePlacement } from './node-placement.js';

/** A recognizer's GPU: the adapter, where its models' nodes ran, and the memory it holds there. */
export interface Accelerator {
  adapter: GpuAdapter;
  /** Per model part (encoder, decoder, …): where its nodes ran during the warm-up decode. */
  placement: Record<string, NodePlacement>;
  memoryUsedBytes(): Promise<number | null>;
  /** The adapter's own memory, where the platform says (null otherwise). */
  memoryTotalBytes(): Promise<number | null>;
}

/**
 * On a GPU, runs the recognizer's warm-up decode with the sessions still profiled (it also compiles
 * the provider's shaders, seconds on a first run), then says in the log which adapter computes and
 * which nodes the provider left on the CPU. Undefined on the CPU.
 */
async function warmUpAccelerator<K extends string>(
  modelId: string,
  opened: DeviceSessions<K>,
  warmUp: () => Promise<void>,
  info: (line: string) => void = (line) => console.error(line),
): Promise<Accelerator | undefined> {
  const { gpu, sessions } = opened;
  if (!gpu) return undefined;
  try {
    await warmUp();
  } catch (error) {
    gpu.placement.abandon(Object.values<ort.InferenceSession>(sessions));
    throw error;
  }
  const placement: Record<string, NodePlacement> = gpu.placement.collect(sessions);
  const { adapter, memoryUsedBytes, memoryTotalBytes } = gpu.adapter();
  const software = adapter.software
    ? '; a software rasterizer on the CPU: expect it to be slower than --device cpu'
    : '';
  info(
    `${modelId} on ${opened.device}: adapter ${adapter.name}; vendor ${adapter.vendor}, backend ${adapter.backend}, driver ${adapter.driver ?? 'unknown'}${software}`,
  );
  for (const [part, where] of Object.entries(placement)) info(`${modelId} ${describePlacement(part, where)}`);
  return { adapter, placement, memoryUsedBytes, memoryTotalBytes };
}

/**
 * Makes a recognizer over sessions just opened and, on a GPU, warms it up (see warmUpAccelerator).
 * If either fails, the sessions are released before the error goes on.
 */
export async function startRecognizer<K extends string, R>(
  modelId: string,
  opened: DeviceSessions<K>,
  make: () => R,
  warmUp: (recognizer: R) => Promise<void>,
  info?: (line: string) => void,
): Promise<{ recognizer: R; gpu: Accelerator | undefined }> {
  try {
    const recognizer = make();
    const gpu = await warmUpAccelerator(modelId, opened, () => warmUp(recognizer), info);
    return { recognizer, gpu };
  } catch (error) {
    await Promise.all(Object.values<ort.InferenceSession>(opened.sessions).map((s) => s.release()));
    throw error;
  }
}
