// Kept free of onnxruntime-node so the CLI can validate --device before loading the runtime.
import { InvalidDeviceError } from './errors.js';
import type { DeviceRequest } from './types.js';

export type ParsedDevice =
  | { kind: 'cpu' }
  | { kind: 'auto' }
  | { kind: 'cuda'; deviceId: number }
  | { kind: 'webgpu' };

export function parseDevice(request: string): ParsedDevice {
  const value = request.trim().toLowerCase();
  if (value === 'cpu') return { kind: 'cpu' };
  if (value === 'auto') return { kind: 'auto' };
  if (value === 'cuda') return { kind: 'cuda', deviceId: 0 };
  if (value === 'webgpu') return { kind: 'webgpu' };
  const match = /^cuda:(\d{1,3})$/.exec(value);
  if (match?.[1] !== undefined) return { kind: 'cuda', deviceId: Number(match[1]) };
  // onnxruntime-node 1.23's WebGPU provider takes no adapter index: its deviceId names a WebGPU
  // context, and any context but 0 needs a WebGPU instance and device handed over from native code.
  if (/^webgpu:\d+$/.test(value)) {
    throw new InvalidDeviceError(
      request,
      'WebGPU takes no adapter index: ONNX Runtime picks the high-performance adapter itself; to use another GPU, name its Vulkan driver manifest (one of /usr/share/vulkan/icd.d/*.json) in VK_DRIVER_FILES and pass --device webgpu',
    );
  }
  throw new InvalidDeviceError(request);
}

export function isDeviceRequest(request: string): request is DeviceRequest {
  try {
    parseDevice(request);
    return true;
  } catch {
    return false;
  }
}
