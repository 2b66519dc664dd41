import * as ort from 'onnxruntime-node';
import { tensorData } from '../onnx-io.js';
import type { DecodedToken } from './recognizer.js';

/** The encoder's output for a batch of windows, in host memory. */
export interface EncodedBatch {
  /** [B, frames, width] */
  embeddings: Float32Array;
  /** [B, frames]: 1 where the frame holds audio. */
  mask: BigInt64Array;
  frames: number;
  width: number;
}

export interface RowRequest {
  prompt: readonly number[];
  /** Tokens after the prompt at most. */
  maxTokens: number;
}

/**
 * Batched greedy decoding of Canary's transformer decoder, as onnx-asr runs it: the first call takes
 * every row's whole prompt and an empty cache, each later call only the token each row chose last and
 * the cache the call before returned. A row ends at `<|endoftext|>` or its token budget; the rows
 * still going are then copied into a smaller batch (encoder output, mask and cache alike), so a long
 * window does not make the short ones beside it pay for its steps. Prompts must be of one length.
 */
export async function greedyDecode(
  decoder: ort.InferenceSession,
  encoded: EncodedBatch,
  rows: readonly RowRequest[],
  model: { endOfText: number; cache: { layers: number; width: number } },
): Promise<DecodedToken[][]> {
  const out: DecodedToken[][] = rows.map(() => []);
  let active = rows.map((_, i) => i);
  let embeddings = encoded.embeddings;
  let mask = encoded.mask;
  const { layers, width } = model.cache;
  let cache: ort.Tensor = new ort.Tensor('float32', new Float32Array(0), [layers, rows.length, 0, width]);
  const promptLength = rows[0]?.prompt.length ?? 0;
  let input = new ort.Tensor(
    'int64',
    BigInt64Array.from(
      rows.flatMap((r) => r.prompt),
      BigInt,
    ),
    [rows.length, promptLength],
  );
  while (active.length > 0) {
    const batch = active.length;
    const result = await decoder.run({
      input_ids: input,
      encoder_embeddings: new ort.Tensor('float32', embeddings, [batch, encoded.frames, encoded.width]),
      encoder_mask: new ort.Tensor('int64', mask, [batch, encoded.frames]),
      decoder_mems: cache,
    });
    const logits = result.logits as ort.Tensor;
    const scores = tensorData(logits, Float32Array);
    const [, positions = 1, vocab = 0] = logits.dims;
    const hidden = result.decoder_hidden_states as ort.Tensor;
    const next: number[] = [];
    const keep: number[] = [];
    active.forEach((row, b) => {
      const offset = (b * positions + positions - 1) * vocab;
      const { id, confidence } = best(scores, offset, vocab);
      const tokens = out[row] as DecodedToken[];
      if (id === model.endOfText) return;
      tokens.push({ id, confidence });
      if (tokens.length >= (rows[row] as RowRequest).maxTokens) return;
      keep.push(b);
      next.push(id);
    });
    if (keep.length === 0) break;
    if (keep.length < batch) {
      embeddings = selectRows(embeddings, batch, keep);
      mask = selectRows(mask, batch, keep);
      cache = selectCacheRows(hidden, keep);
    } else {
      cache = hidden;
    }
    active = keep.map((b) => active[b] as number);
    input = new ort.Tensor('int64', BigInt64Array.from(next, BigInt), [next.length, 1]);
  }
  return out;
}

/** The likeliest token of one row's scores and its probability (log-softmax taken again, harmlessly). */
function best(scores: Float32Array, offset: number, vocab: number): DecodedToken {
  let id = 0;
  let top = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < vocab; v++) {
    const s = scores[offset + v] as number;
    if (s > top) {
      top = s;
      id = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp((scores[offset + v] as number) - top);
  return { id, confidence: 1 / sum };
}

function selectRows<T extends Float32Array | BigInt64Array>(data: T, batch: number, rows: number[]): T {
  const size = data.length / batch;
  const out = new (data.constructor as { new (n: number): T })(rows.length * size);
  rows.forEach((row, i) => {
    out.set(data.subarray(row * size, (row + 1) * size) as never, i * size);
  });
  return out;
}

/** Rows of a [L, B, m, H] cache. */
function selectCacheRows(cache: ort.Tensor, rows: number[]): ort.Tensor {
  const [layers = 0, batch = 0, positions = 0, width = 0] = cache.dims;
  const data = tensorData(cache, Float32Array);
  const row = positions * width;
  const out = new Float32Array(layers * rows.length * row);
  for (let l = 0; l < layers; l++) {
    rows.forEach((r, i) => {
      const from = (l * batch + r) * row;
      out.set(data.subarray(from, from + row), (l * rows.length + i) * row);
    });
  }
  return new ort.Tensor('float32', out, [layers, rows.length, positions, width]);
}
