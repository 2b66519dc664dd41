import type { GpuAdapter, StatusModel } from '@earshot/shared';
import type { Recognizer } from '../../engine/types';

/** What the GPU reports read of a recognizer: its accelerator (undefined on the CPU). */
export type AcceleratedRecognizer = Pick<Recognizer, 'accelerator'>;

/** A recognizer's GPU adapter as /health and /status report it; null on the CPU. */
export function adapterOf(
  recognizer: AcceleratedRecognizer,
  memoryUsedBytes: number | null = null,
): GpuAdapter | null {
  const gpu = recognizer.accelerator;
  return gpu ? { ...gpu.adapter, memory_used_bytes: memoryUsedBytes } : null;
}

/** The adapter with the GPU memory the process holds on it read now (an nvidia-smi call on NVIDIA). */
export async function adapterWithMemory(recognizer: AcceleratedRecognizer): Promise<GpuAdapter | null> {
  const memory = (await recognizer.accelerator?.memoryUsedBytes()) ?? null;
  return adapterOf(recognizer, memory === null ? null : Math.round(memory));
}

/** Where each model file's nodes ran in the warm-up on a GPU; null on the CPU. */
export function placementOf(recognizer: Recognizer): StatusModel['placement'] {
  const gpu = recognizer.accelerator;
  if (!gpu) return null;
  return Object.fromEntries(
    Object.entries(gpu.placement).map(([part, where]) => [
      part,
      { nodes: where.nodes, on_cpu: where.onCpu, host_copies: where.copies },
    ]),
  );
}
