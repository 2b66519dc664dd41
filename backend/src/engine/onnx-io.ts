import type * as ort from 'onnxruntime-node';
import { ModelLoadError } from './errors.js';

/** Fails model loading with the names a file lacks, so a wrong layout is reported, not crashed on. */
export function requireNames(
  file: string,
  kind: string,
  actual: readonly string[],
  expected: string[],
): void {
  const missing = expected.filter((name) => !actual.includes(name));
  if (missing.length > 0) {
    throw new ModelLoadError(
      `${file} is not in the Parakeet ONNX layout: missing ${kind} ${missing.join(', ')} (has ${actual.join(', ')})`,
    );
  }
}

/** A session output's data as the typed array the layout promises. */
export function tensorData<T extends Float32Array | BigInt64Array | Int32Array>(
  tensor: ort.Tensor | undefined,
  type: { new (...args: never[]): T; name: string },
): T {
  if (!tensor || !(tensor.data instanceof type)) {
    throw new ModelLoadError(
      `model returned ${tensor ? tensor.type : 'nothing'} where ${type.name} was expected`,
    );
  }
  return tensor.data;
}
