import type { DecoderJoint } from './decoder-joint.js';
import { EngineError } from './errors.js';

/** Encoder output for a batch, channels first: data[b][d][t] with `lengths[b]` valid frames. */
export interface EncodedBatch {
  data: Float32Array;
  batch: number;
  dim: number;
  frames: number;
  lengths: number[];
}

export interface DecodedToken {
  id: number;
  frame: number;
  /** Softmax probability of the token among the vocabulary logits. */
  confidence: number;
  /** Frames the duration head skipped after this token (0 for plain RNN-T). */
  step: number;
}

export interface GreedySettings {
  vocabSize: number;
  blankId: number;
  durations: number[];
  maxTokensPerStep: number;
}

interface Cursor {
  index: number;
  frame: number;
  emittedHere: number;
  lastToken: number;
  states1: Float32Array;
  states2: Float32Array;
  tokens: DecodedToken[];
}

/**
 * Greedy TDT decoding (plain RNN-T when the joint has no duration head), all streams advancing in
 * lockstep so each joint call carries every stream that still has frames left.
 */
export async function greedyDecode(
  joint: DecoderJoint,
  encoded: EncodedBatch,
  settings: GreedySettings,
): Promise<DecodedToken[][]> {
  const { vocabSize, blankId, durations, maxTokensPerStep } = settings;
  const stateStride = joint.stateLayers * joint.stateSize;
  const cursors: Cursor[] = encoded.lengths.map((_, index) => ({
    index,
    frame: 0,
    emittedHere: 0,
    lastToken: blankId,
    states1: joint.initialState(1),
    states2: joint.initialState(1),
    tokens: [],
  }));

  for (;;) {
    const active = cursors.filter((c) => c.frame < (encoded.lengths[c.index] ?? 0));
    if (active.length === 0) break;
    const n = active.length;
    const frames = new Float32Array(n * encoded.dim);
    const targets = new Int32Array(n);
    const states1 = joint.initialState(n);
    const states2 = joint.initialState(n);
    active.forEach((c, k) => {
      const base = c.index * encoded.dim * encoded.frames + c.frame;
      for (let d = 0; d < encoded.dim; d++)
        frames[k * encoded.dim + d] = encoded.data[base + d * encoded.frames] ?? 0;
      targets[k] = c.lastToken;
      scatterState(c.states1, states1, k, n, joint.stateLayers, joint.stateSize);
      scatterState(c.states2, states2, k, n, joint.stateLayers, joint.stateSize);
    });

    const out = await joint.run(frames, targets, states1, states2);
    const hasDurations = out.width > vocabSize;
    if (out.width !== vocabSize && out.width !== vocabSize + durations.length) {
      throw new EngineError(
        'model_invalid',
        `decoder_joint returned ${out.width} logits per frame; expected ${vocabSize} (RNN-T) or ${vocabSize + durations.length} (TDT with durations ${durations.join(',')})`,
      );
    }

    active.forEach((c, k) => {
      const row = out.logits.subarray(k * out.width, (k + 1) * out.width);
      const token = argmax(row, 0, vocabSize);
      const step = hasDurations ? (durations[argmax(row, vocabSize, out.width) - vocabSize] ?? 0) : 0;
      if (token !== blankId) {
        c.tokens.push({ id: token, frame: c.frame, confidence: softmaxAt(row, vocabSize, token), step });
        c.lastToken = token;
        c.states1 = gatherState(out.states1, k, n, joint.stateLayers, joint.stateSize, stateStride);
        c.states2 = gatherState(out.states2, k, n, joint.stateLayers, joint.stateSize, stateStride);
        c.emittedHere += 1;
      }
      if (step > 0) {
        c.frame += step;
        c.emittedHere = 0;
      } else if (token === blankId || c.emittedHere >= maxTokensPerStep) {
        c.frame += 1;
        c.emittedHere = 0;
      }
    });
  }
  return cursors.map((c) => c.tokens);
}

function argmax(row: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if ((row[i] ?? -Infinity) > (row[best] ?? -Infinity)) best = i;
  return best;
}

function softmaxAt(row: Float32Array, size: number, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < size; i++) max = Math.max(max, row[i] ?? -Infinity);
  let sum = 0;
  for (let i = 0; i < size; i++) sum += Math.exp((row[i] ?? -Infinity) - max);
  return Math.exp((row[index] ?? -Infinity) - max) / sum;
}

/** Copies one stream's [layers, 1, size] state into slot k of a [layers, n, size] batch. */
function scatterState(
  one: Float32Array,
  batch: Float32Array,
  k: number,
  n: number,
  layers: number,
  size: number,
) {
  for (let l = 0; l < layers; l++) batch.set(one.subarray(l * size, (l + 1) * size), (l * n + k) * size);
}

function gatherState(
  batch: Float32Array,
  k: number,
  n: number,
  layers: number,
  size: number,
  stride: number,
) {
  const one = new Float32Array(stride);
  for (let l = 0; l < layers; l++)
    one.set(batch.subarray((l * n + k) * size, (l * n + k + 1) * size), l * size);
  return one;
}
