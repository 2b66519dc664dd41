// Kept free of onnxruntime-node so the CLI can validate --device before loading the runtime.
import { InvalidDeviceError } from './errors.js';
import type { DeviceRequest } from './types.js';

export type ParsedDevice = { kind: 'cpu' } | { kind: 'auto' } | { kind: 'cuda'; deviceId: number };

export function parseDevice(request: string): ParsedDevice {
  const value = request.trim().toLowerCase();
  if (value === 'cpu') return { kind: 'cpu' };
  if (value === 'auto') return { kind: 'auto' };
  if (value === 'cuda') return { kind: 'cuda', deviceId: 0 };
  const match = /^cuda:(\d{1,3})$/.exec(value);
  if (match?.[1] !== undefined) return { kind: 'cuda', deviceId: Number(match[1]) };
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
