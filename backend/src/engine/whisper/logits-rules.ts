import type { WhisperModelConfig } from './model-config.js';

/** Per-stream constraints on the next token. */
export interface SequenceState {
  /** Tokens sampled so far (the prompt excluded). */
  generated: readonly number[];
  withTimestamps: boolean;
  /** The last timestamp token that fits the audio (its length in 20 ms steps). */
  lastTimestampIndex: number;
}

/**
 * Masks, in place, the logits of tokens that cannot come next (OpenAI's SuppressTokens,
 * SuppressBlank and ApplyTimestampRules): control tokens never; blank or end-of-text never first;
 * timestamps in pairs, never decreasing, the first within max_initial_timestamp and none past the
 * end of the audio; a timestamp forced when timestamps together are likelier than any text token.
 */
export function applyLogitRules(
  logits: Float32Array,
  state: SequenceState,
  config: WhisperModelConfig,
): void {
  const { eot, timestampBegin } = config;
  for (const id of config.suppressTokens) if (id < logits.length) logits[id] = -Infinity;
  logits.fill(-Infinity, eot + 1, timestampBegin);
  const { generated } = state;
  if (generated.length === 0) for (const id of config.beginSuppressTokens) logits[id] = -Infinity;

  if (!state.withTimestamps) {
    logits.fill(-Infinity, timestampBegin);
    return;
  }
  const last = generated.at(-1);
  const lastWasTimestamp = last !== undefined && last >= timestampBegin;
  const penultimate = generated.at(-2);
  const penultimateWasTimestamp = generated.length < 2 || (penultimate ?? 0) >= timestampBegin;
  if (lastWasTimestamp) {
    if (penultimateWasTimestamp) logits.fill(-Infinity, timestampBegin);
    else logits.fill(-Infinity, 0, eot);
  }
  const timestamps = generated.filter((id) => id >= timestampBegin);
  const lastTimestamp = timestamps.at(-1);
  if (lastTimestamp !== undefined) {
    // A segment never ends where it started, and time never goes back.
    const floor = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
    logits.fill(-Infinity, timestampBegin, Math.min(floor, logits.length));
  }
  if (generated.length === 0) {
    logits.fill(-Infinity, 0, timestampBegin);
    logits.fill(-Infinity, timestampBegin + config.maxInitialTimestampIndex + 1);
  }
  logits.fill(-Infinity, timestampBegin + state.lastTimestampIndex + 1);

  const all = logSumExp(logits);
  const timestampLogProb = logSumExp(logits, timestampBegin) - all;
  let bestText = -Infinity;
  for (let i = 0; i < timestampBegin; i++) bestText = Math.max(bestText, logits[i] as number);
  if (timestampLogProb > bestText - all) logits.fill(-Infinity, 0, timestampBegin);
}

/** log Σ exp(values[i] / temperature) over [from, to); -Infinity when every value is. */
export function logSumExp(values: Float32Array, from = 0, to = values.length, temperature = 1): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) max = Math.max(max, values[i] as number);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const value = values[i] as number;
    if (value !== -Infinity) sum += Math.exp((value - max) / temperature);
  }
  return max / temperature + Math.log(sum);
}
