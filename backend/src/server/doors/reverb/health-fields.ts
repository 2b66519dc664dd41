import type { GpuAdapter, ReverbGpu } from '@earshot/shared';
import type { AcceleratedRecognizer } from '../../status/gpu-report';

const MIB = 1024 * 1024;

/**
 * Reverb's `gpu` in /health: the GPU the default model computes on (`adapter` as /health reports it,
 * its memory in use read already), its own memory and what the server holds of it, in MiB; null on
 * the CPU and on a software rasterizer (no GPU is in use then).
 */
export async function reverbGpu(
  recognizer: AcceleratedRecognizer,
  adapter: GpuAdapter | null,
): Promise<ReverbGpu | null> {
  const gpu = recognizer.accelerator;
  if (!gpu || !adapter || adapter.software) return null;
  const mib = (bytes: number | null) => (bytes === null ? null : Math.round(bytes / MIB));
  return {
    name: adapter.name,
    memory_mb: mib(await gpu.memoryTotalBytes()),
    memory_used_mb: mib(adapter.memory_used_bytes),
  };
}
