import * as ort from 'onnxruntime-node';
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

/** Frees the outputs a session left in GPU memory once nothing reads them any more. */
export function releaseGpuOutputs(outputs: ort.InferenceSession.OnnxValueMapType): void {
  for (const value of Object.values(outputs)) {
    if (value.location === 'gpu-buffer') value.dispose();
  }
}

/**
 * A float output as Float32Array, whether the graph computes in float32 or float16 (fp16 exports
 * of Whisper keep float16 at their inputs and outputs). ONNX Runtime holds float16 data in a
 * Float16Array where the runtime has one (Node 24 and later), else as bit patterns in a Uint16Array.
 */
export function floatData(tensor: ort.Tensor | undefined): Float32Array {
  if (tensor?.type !== 'float16') return tensorData(tensor, Float32Array);
  const { data } = tensor;
  return data instanceof Uint16Array ? float16ToFloat32(data) : Float32Array.from(data as ArrayLike<number>);
}

/** Samples as the element type a graph input declares: float32 as is, float16 converted. */
export function floatTensor(
  type: 'float32' | 'float16',
  data: Float32Array,
  dims: readonly number[],
): ort.Tensor {
  return type === 'float16'
    ? float16ForBinding(new ort.Tensor('float16', float32ToFloat16(data), dims))
    : new ort.Tensor('float32', data, dims);
}

/**
 * Feeds as onnxruntime-node 1.23's binding reads them. It takes float16 data only from a Uint16Array,
 * while onnxruntime-common hands every float16 tensor's data over as a Float16Array wherever the
 * runtime has one (Node 24 and later), its own outputs included (microsoft/onnxruntime#26791): the
 * same bits are shown to the binding as a Uint16Array.
 */
export function feedsForBinding<T extends Record<string, ort.Tensor>>(feeds: T): T {
  for (const tensor of Object.values(feeds)) float16ForBinding(tensor);
  return feeds;
}

function float16ForBinding(tensor: ort.Tensor): ort.Tensor {
  if (tensor.type !== 'float16' || tensor.location !== 'cpu') return tensor;
  const { data } = tensor;
  if (!(data instanceof Uint16Array) && ArrayBuffer.isView(data)) {
    const bits = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    (tensor as unknown as { cpuData: Uint16Array }).cpuData = bits;
  }
  return tensor;
}

/** The declared element type of a session's float input, e.g. past key values. */
export function floatInputType(session: ort.InferenceSession, name: string): 'float32' | 'float16' {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta?.isTensor && meta.type === 'float16' ? 'float16' : 'float32';
}

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 binary16 bit patterns, rounded to nearest even, overflow to ±Infinity. */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    scratch.setFloat32(0, values[i] as number);
    const bits = scratch.getUint32(0);
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    let mantissa = bits & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa ? 0x200 : 0);
      continue;
    }
    let e = exponent - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mantissa |= 0x800000;
      const shift = 14 - e;
      let half = mantissa >>> shift;
      const rest = mantissa & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rest > halfway || (rest === halfway && half & 1)) half += 1;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half += 1;
    e = half >>> 10;
    out[i] = sign | (e >= 0x1f ? 0x7c00 : half);
  }
  return out;
}

export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (mantissa / 1024);
    else if (exponent === 0x1f) out[i] = mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
  }
  return out;
}
