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

/** The prediction network's state and the token it last consumed. */
export interface PredictionState {
  states1: Float32Array;
  states2: Float32Array;
  lastToken: number;
}

/** Where one stream's decoding starts and where its tokens stop being final. */
export interface DecodePlan {
  /** First frame to decode. */
  startFrame: number;
  /** Frames from here on are decoded tentatively; the state reached here is returned. */
  commitFrame: number;
  /** The state to start from; null for the blank start. */
  state: PredictionState | null;
  /** Which tokens open a word: the state before each one emitted ahead of the commit frame is kept. */
  opensWord?: (id: number) => boolean;
}

/** The decoder's state at some point of a stream, and how many tokens it had emitted there. */
export interface DecodePoint {
  frame: number;
  state: PredictionState;
  tokens: number;
  /** Frames past `frame` that the duration head skipped into before it was reached. */
  overshoot: number;
}

export interface DecodedStream {
  tokens: DecodedToken[];
  /** On reaching the commit frame (or the last frame, without a plan). */
  atCommit: DecodePoint;
  /** Just before each word-opening token emitted ahead of the commit frame, if the plan asked. */
  atWordStarts: DecodePoint[];
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
  commitFrame: number;
  atCommit: DecodePoint | null;
  opensWord: ((id: number) => boolean) | null;
  atWordStarts: DecodePoint[];
}

/**
 * Greedy TDT decoding (plain RNN-T when the joint has no duration head), all streams advancing in
 * lockstep so each joint call carries every stream that still has frames left. A stream with a plan
 * starts at its start frame from the given state, and its state is kept when it reaches the commit
 * frame; decoding then goes on tentatively to the last frame.
 */
export async function greedyDecode(
  joint: DecoderJoint,
  encoded: EncodedBatch,
  settings: GreedySettings,
  plans: readonly (DecodePlan | null)[] = [],
): Promise<DecodedStream[]> {
  const { vocabSize, blankId, durations, maxTokensPerStep } = settings;
  const stateStride = joint.stateLayers * joint.stateSize;
  const cursors: Cursor[] = encoded.lengths.map((length, index) => {
    const plan = plans[index] ?? null;
    return {
      index,
      frame: plan?.startFrame ?? 0,
      emittedHere: 0,
      lastToken: plan?.state?.lastToken ?? blankId,
      states1: plan?.state?.states1 ?? joint.initialState(1),
      states2: plan?.state?.states2 ?? joint.initialState(1),
      tokens: [],
      commitFrame: Math.min(plan?.commitFrame ?? length, length),
      atCommit: null,
      opensWord: plan?.opensWord ?? null,
      atWordStarts: [],
    };
  });
  const here = (c: Cursor, frame: number): DecodePoint => ({
    frame,
    state: { states1: c.states1, states2: c.states2, lastToken: c.lastToken },
    tokens: c.tokens.length,
    overshoot: c.frame - frame,
  });
  const noteCommit = (c: Cursor) => {
    if (!c.atCommit && c.frame >= c.commitFrame) c.atCommit = here(c, c.commitFrame);
  };
  cursors.forEach(noteCommit);

  for (;;) {
    const active = cursors.filter((c) => c.frame < (encoded.lengths[c.index] ?? 0));
    if (active.length === 0) break;
    const n = active.length;
    const block = Math.min(
      joint.framesPerCall,
      Math.max(...active.map((c) => (encoded.lengths[c.index] ?? 0) - c.frame)),
    );
    const frames = new Float32Array(n * encoded.dim * block);
    const targets = new Int32Array(n);
    const states1 = joint.initialState(n);
    const states2 = joint.initialState(n);
    active.forEach((c, k) => {
      const length = encoded.lengths[c.index] ?? 0;
      const base = c.index * encoded.dim * encoded.frames;
      for (let d = 0; d < encoded.dim; d++) {
        const row = base + d * encoded.frames;
        const into = (k * encoded.dim + d) * block;
        for (let j = 0; j < block && c.frame + j < length; j++)
          frames[into + j] = encoded.data[row + c.frame + j] ?? 0;
      }
      targets[k] = c.lastToken;
      scatterState(c.states1, states1, k, n, joint.stateLayers, joint.stateSize);
      scatterState(c.states2, states2, k, n, joint.stateLayers, joint.stateSize);
    });

    const out = await joint.run(frames, block, targets, states1, states2);
    const hasDurations = out.width > vocabSize;
    if (out.width !== vocabSize && out.width !== vocabSize + durations.length) {
      throw new EngineError(
        'model_invalid',
        `decoder_joint returned ${out.width} logits per frame; expected ${vocabSize} (RNN-T) or ${vocabSize + durations.length} (TDT with durations ${durations.join(',')})`,
      );
    }

    active.forEach((c, k) => {
      // Every frame of the block up to the first emission was scored against this call's state.
      const first = c.frame;
      const length = encoded.lengths[c.index] ?? 0;
      while (c.frame < length && c.frame - first < block) {
        const at = (k * block + c.frame - first) * out.width;
        const row = out.logits.subarray(at, at + out.width);
        const token = argmax(row, 0, vocabSize);
        const step = hasDurations ? (durations[argmax(row, vocabSize, out.width) - vocabSize] ?? 0) : 0;
        const emitted = token !== blankId;
        if (emitted && c.frame < c.commitFrame && c.opensWord?.(token)) c.atWordStarts.push(here(c, c.frame));
        if (emitted) {
          c.tokens.push({ id: token, frame: c.frame, confidence: softmaxAt(row, vocabSize, token), step });
          c.lastToken = token;
          c.states1 = gatherState(out.states1, k, n, joint.stateLayers, joint.stateSize, stateStride);
          c.states2 = gatherState(out.states2, k, n, joint.stateLayers, joint.stateSize, stateStride);
          c.emittedHere += 1;
        }
        if (step > 0) {
          c.frame += step;
          c.emittedHere = 0;
        } else if (!emitted || c.emittedHere >= maxTokensPerStep) {
          c.frame += 1;
          c.emittedHere = 0;
        }
        noteCommit(c);
        // The state changed: what follows needs a new call.
        if (emitted) break;
      }
    });
  }
  return cursors.map((c) => ({
    tokens: c.tokens,
    // A stream whose frames ran out before its commit frame stops there.
    atCommit: c.atCommit ?? { ...here(c, c.frame), overshoot: 0 },
    atWordStarts: c.atWordStarts,
  }));
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
