import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../errors.js';
import { feedsForBinding, floatData, floatInputType, floatTensor, releaseGpuOutputs } from '../onnx-io.js';
import { applyLogitRules, logSumExp } from './logits-rules.js';
import type { WhisperModelConfig } from './model-config.js';

/**
 * Tokens a window of speech can need, at most: fast speech is about 3 words (4 tokens) a second, and
 * each segment adds two timestamps. A decoding still going past this repeats itself or babbles, and
 * the guards would drop its text anyway: stopping it there bounds the cost of a window by its length.
 */
const MAX_TOKENS_BASE = 16;
const MAX_TOKENS_PER_AUDIO_STEP = 0.2; // 10 a second, in 20 ms steps

/** One window's request: its prompt and how much audio it has (timestamps stay inside it). */
export interface GenerationRequest {
  /** `[<|startofprev|>, previous text…]` when there is previous text, then `<|startoftranscript|>`…. */
  prompt: readonly number[];
  withTimestamps: boolean;
  /** Audio length in 20 ms steps. */
  audioSteps: number;
}

export interface GeneratedSequence {
  /** Sampled tokens, end-of-text excluded. */
  tokens: number[];
  /** Log-probability of each sampled token. */
  logProbs: number[];
  /** Mean log-probability over the sampled tokens and end-of-text, as OpenAI reports it. */
  avgLogProb: number;
  /** Probability of `<|nospeech|>` right after `<|startoftranscript|>`. */
  noSpeechProb: number;
  /** Cross-attention of the alignment heads while each sampled token was read: [heads][frames]. */
  attention: Float32Array[][];
}

export interface GenerationOptions {
  temperature: number;
  maxNewTokens: number;
  /** Deterministic sampling for temperature > 0. */
  random: () => number;
}

/** The merged decoder (first step and cached steps in one graph), driven token by token for a batch. */
export class MergedDecoder {
  private readonly pastNames: string[] = [];
  private readonly crossNames: Map<number, string>;
  private readonly pastType: 'float32' | 'float16';

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly config: WhisperModelConfig,
    file: string,
  ) {
    for (let i = 0; i < config.decoderLayers; i++) {
      for (const part of ['decoder', 'encoder']) {
        for (const kind of ['key', 'value']) this.pastNames.push(`past_key_values.${i}.${part}.${kind}`);
      }
    }
    const required = ['input_ids', 'encoder_hidden_states', 'use_cache_branch', ...this.pastNames];
    const missing = required.filter((name) => !session.inputNames.includes(name));
    if (missing.length > 0 || !session.outputNames.includes('logits')) {
      throw new ModelLoadError(
        `${file} is not a merged Whisper decoder: missing ${[...missing, 'logits'].join(', ')} (has ${session.inputNames.join(', ')})`,
      );
    }
    this.pastType = floatInputType(session, this.pastNames[0] ?? '');
    this.crossNames = new Map(
      config.alignmentHeads
        .map(([layer]) => [layer, `cross_attentions.${layer}`] as const)
        .filter(([, name]) => session.outputNames.includes(name)),
    );
  }

  /** True when the export outputs the cross-attention the alignment heads need for word times. */
  get hasAlignment(): boolean {
    return this.config.alignmentHeads.length > 0 && this.crossNames.size > 0;
  }

  /** Runs the prompt once and returns the logits at every prompt position: [batch][position]. */
  async promptLogits(encoded: ort.Tensor, prompt: readonly number[]): Promise<Float32Array[][]> {
    const batch = encoded.dims[0] ?? 0;
    const out = await this.step(
      encoded,
      Array.from({ length: batch }, () => [...prompt]),
      null,
    );
    releaseGpuOutputs(out.outputs);
    return splitLogits(out.logits, batch, prompt.length, this.config.vocabSize);
  }

  async generate(
    encoded: ort.Tensor,
    requests: readonly GenerationRequest[],
    options: GenerationOptions,
  ): Promise<GeneratedSequence[]> {
    const { config } = this;
    const batch = requests.length;
    const promptLength = requests[0]?.prompt.length ?? 0;
    if (requests.some((r) => r.prompt.length !== promptLength)) {
      throw new Error('every prompt in a decoding batch must have the same length');
    }
    const maxNew = Math.min(options.maxNewTokens, config.maxTargetPositions - promptLength);
    const results: GeneratedSequence[] = requests.map(() => ({
      tokens: [],
      logProbs: [],
      avgLogProb: 0,
      noSpeechProb: 0,
      attention: [],
    }));
    const done = new Array<boolean>(batch).fill(false);
    let inputs: number[][] = requests.map((r) => [...r.prompt]);
    let past: Record<string, ort.Tensor> | null = null;

    try {
      for (let step = 0; step <= maxNew && !done.every(Boolean); step++) {
        const out = await this.step(encoded, inputs, past);
        const rows = inputs[0]?.length ?? 1;
        const logits = splitLogits(out.logits, batch, rows, config.vocabSize);
        if (step > 0) this.keepAttention(out.outputs, results, done, inputs);
        past = this.nextPast(out.outputs, past);
        const next: number[][] = [];
        for (let b = 0; b < batch; b++) {
          const request = requests[b] as GenerationRequest;
          const result = results[b] as GeneratedSequence;
          const rowLogits = logits[b] as Float32Array[];
          if (step === 0 && config.noSpeech !== undefined) {
            // Read where <|startoftranscript|> is, past any previous-text prompt.
            const first = rowLogits[Math.max(0, request.prompt.indexOf(config.sot))] as Float32Array;
            result.noSpeechProb = Math.exp((first[config.noSpeech] ?? -Infinity) - logSumExp(first));
          }
          if (done[b]) {
            next.push([config.eot]);
            continue;
          }
          const scores = (rowLogits.at(-1) as Float32Array).slice();
          applyLogitRules(
            scores,
            {
              generated: result.tokens,
              withTimestamps: request.withTimestamps,
              lastTimestampIndex: request.audioSteps,
            },
            config,
          );
          const limit = Math.min(
            maxNew,
            MAX_TOKENS_BASE + Math.ceil(MAX_TOKENS_PER_AUDIO_STEP * request.audioSteps),
          );
          const token = step >= limit ? config.eot : pick(scores, options);
          const logProb = (scores[token] ?? -Infinity) - logSumExp(scores);
          result.logProbs.push(Number.isFinite(logProb) ? logProb : -1e9);
          if (token === config.eot) done[b] = true;
          else result.tokens.push(token);
          next.push([token]);
        }
        inputs = next;
      }
    } finally {
      if (past) releaseGpuOutputs(past);
    }
    for (const result of results) {
      const sum = result.logProbs.reduce((a, b) => a + b, 0);
      result.avgLogProb = sum / Math.max(1, result.logProbs.length);
      result.logProbs = result.logProbs.slice(0, result.tokens.length);
    }
    return results;
  }

  private async step(
    encoded: ort.Tensor,
    inputIds: number[][],
    past: Record<string, ort.Tensor> | null,
  ): Promise<{ logits: ort.Tensor; outputs: ort.InferenceSession.OnnxValueMapType }> {
    const batch = inputIds.length;
    const length = inputIds[0]?.length ?? 0;
    const ids = BigInt64Array.from(inputIds.flat(), (id) => BigInt(id));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, length]),
      encoder_hidden_states: encoded,
      use_cache_branch: new ort.Tensor('bool', Uint8Array.of(past ? 1 : 0), [1]),
    };
    const { decoderHeads, headDim } = this.config;
    for (const name of this.pastNames) {
      feeds[name] =
        past?.[name] ?? floatTensor(this.pastType, new Float32Array(0), [batch, decoderHeads, 0, headDim]);
    }
    const outputs = await this.session.run(feedsForBinding(feeds));
    const logits = outputs.logits as ort.Tensor;
    return { logits, outputs };
  }

  /**
   * Decoder keys and values grow each step; the encoder ones are computed once, on the first step.
   * On a GPU they stay in its memory from step to step; what is replaced is freed there.
   */
  private nextPast(
    outputs: ort.InferenceSession.OnnxValueMapType,
    past: Record<string, ort.Tensor> | null,
  ): Record<string, ort.Tensor> {
    const next: Record<string, ort.Tensor> = {};
    const unused: Record<string, ort.Tensor> = {};
    for (const name of this.pastNames) {
      const presentName = name.replace('past_key_values', 'present');
      const present = outputs[presentName] as ort.Tensor | undefined;
      if (!present) throw new ModelLoadError(`Whisper decoder returned no ${presentName}`);
      const keep = past && name.includes('.encoder.') ? past[name] : present;
      next[name] = keep ?? present;
      if (keep !== present) unused[presentName] = present;
      else if (past?.[name]) unused[name] = past[name];
    }
    releaseGpuOutputs(unused);
    return next;
  }

  /** Stores, for each stream still decoding, the alignment heads' attention for the token just read. */
  private keepAttention(
    outputs: ort.InferenceSession.OnnxValueMapType,
    results: GeneratedSequence[],
    done: boolean[],
    inputs: number[][],
  ): void {
    if (!this.hasAlignment) return;
    const heads: { data: Float32Array; dims: readonly number[]; head: number }[] = [];
    for (const [layer, head] of this.config.alignmentHeads) {
      const name = this.crossNames.get(layer);
      const tensor = name ? (outputs[name] as ort.Tensor | undefined) : undefined;
      if (tensor) heads.push({ data: floatData(tensor), dims: tensor.dims, head });
    }
    results.forEach((result, b) => {
      const token = inputs[b]?.[0];
      // The token read this step was sampled last step: record it unless it ended the stream.
      if (token === undefined || (done[b] && token === this.config.eot)) return;
      if (result.attention.length >= result.tokens.length) return;
      result.attention.push(
        heads.map(({ data, dims, head }) => {
          const [, headCount = 0, rows = 1, frames = 0] = dims;
          const offset = ((b * headCount + head) * rows + (rows - 1)) * frames;
          return data.slice(offset, offset + frames);
        }),
      );
    });
  }
}

function splitLogits(tensor: ort.Tensor, batch: number, rows: number, vocab: number): Float32Array[][] {
  const data = floatData(tensor);
  const width = tensor.dims.at(-1) ?? vocab;
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: rows }, (_, r) => data.subarray((b * rows + r) * width, (b * rows + r + 1) * width)),
  );
}

function pick(scores: Float32Array, { temperature, random }: GenerationOptions): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < scores.length; i++) if ((scores[i] as number) > (scores[best] as number)) best = i;
    return best;
  }
  const total = logSumExp(scores, 0, scores.length, temperature);
  let target = random();
  let last = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score === -Infinity) continue;
    last = i;
    target -= Math.exp(score / temperature - total);
    if (target <= 0) return i;
  }
  return last;
}
