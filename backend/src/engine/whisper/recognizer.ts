import { existsSync } from 'node:fs';
import path from 'node:path';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { type Accelerator, startRecognizer } from '../accelerator.js';
import { CpuLedger } from '../cpu-ledger.js';
import { DecodeTurns } from '../decode-turns.js';
import { type OpenSessionsOptions, openSessions } from '../device.js';
import { EngineError, ModelLoadError } from '../errors.js';
import { fixedWindows } from '../fixed-windows.js';
import { chooseLanguages } from '../language-support.js';
import { modelFile } from '../model-files.js';
import { floatInputType, floatTensor, releaseGpuOutputs, requireNames } from '../onnx-io.js';
import type {
  LanguageSupport,
  RecognitionResult,
  Recognizer,
  RecognizerStream,
  StreamOptions,
  WordTiming,
} from '../types.js';
import type { SileroVad } from '../vad.js';
import { WaveformStream } from '../waveform-stream.js';
import { whisperFeatures } from './features.js';
import { type GeneratedSequence, type GenerationRequest, MergedDecoder } from './generation.js';
import {
  compressionRatio,
  DEFAULT_GUARDS,
  failedGuard,
  type GuardThresholds,
  type GuardVerdict,
  needsFallback,
} from './guards.js';
import {
  readJson,
  readWhisperConfig,
  TIME_PRECISION,
  WHISPER_DECODER_FILE,
  WHISPER_ENCODER_FILE,
  type WhisperModelConfig,
  WINDOW_SECONDS,
} from './model-config.js';
import { alignTokens, timeText, type WhisperSegment } from './timing.js';
import { WhisperText } from './tokenizer.js';

export interface WhisperOptions extends OpenSessionsOptions {
  modelDir: string;
  modelId: string;
  /** cpu | auto | cuda | cuda:N | webgpu */
  device: string;
  encoderFile?: string;
  decoderFile?: string;
  /**
   * Spoken language (`en`, `de`, …) of streams that name none, for multilingual models; detected per
   * window when unset.
   */
  language?: string;
  /** `translate`: streams that name no target language are written in English (multilingual models). */
  task?: 'transcribe' | 'translate';
  timestamps?: boolean;
  guards?: Partial<GuardThresholds>;
  /** Windows in which Silero finds no speech are not decoded at all. */
  vad?: SileroVad;
  maxNewTokens?: number;
  /** Seed of the sampler used by temperature fallback. */
  seed?: number;
  /** Sees every batch handed to the decoder, before it is decoded (diagnostics and tests). */
  onGenerate?: (requests: readonly GenerationRequest[]) => void;
}

/** What a Whisper stream's result carries beyond the recognizer seam's text, tokens and words. */
export interface WhisperResult extends RecognitionResult {
  segments: WhisperSegment[];
  /** Language code the window was decoded as (`en` for English-only models). */
  language: string;
  noSpeechProb: number;
  avgLogProb: number;
  compressionRatio: number;
  /** Sampling temperature of the decoding kept. */
  temperature: number;
  /** Set when a guard dropped the window's text; the text, tokens and words are then empty. */
  droppedBy: GuardVerdict | null;
}

type WhisperStream = WaveformStream<WhisperRecognizer, WhisperResult>;

/** A ≤ 30 s piece of one stream's audio, the unit Whisper decodes. */
interface Window {
  samples: Float32Array;
  /** Seconds from the stream's start. */
  offset: number;
  /** `<|startofprev|>` and the stream's prompt tokens, or nothing. */
  previous: readonly number[];
  /** The caller found speech in it already (see StreamOptions.voiced). */
  voiced: boolean;
  /** Decoded once, without falling back to higher temperatures (see StreamOptions.live). */
  once: boolean;
  /** The stream's spoken language; undefined: detected. */
  language: string | undefined;
  /** Write English whatever the spoken language. */
  translate: boolean;
}

/**
 * OpenAI Whisper in the transformers.js (onnx-community) ONNX layout. Features and tokenizer come
 * from transformers.js; decoding is driven here (transformers.js' generate does not report the
 * token log-probabilities and no-speech probability the hallucination guards need, nor batch
 * streams with per-stream fallback). Streams longer than 30 s are decoded as consecutive 30 s windows.
 * A stream's prompt conditions every one of its windows, as OpenAI's initial prompt does; unlike
 * OpenAI's transcribe, a window is not also conditioned on the text of the window before it.
 */
export class WhisperRecognizer implements Recognizer {
  readonly sampleRate: number;
  private readonly turns = new DecodeTurns<WhisperRecognizer, WhisperResult>(this);
  private readonly guards: GuardThresholds;
  private random: () => number;
  private readonly cpu = new CpuLedger(['features', 'encoder', 'decoding']);
  private gpu: Accelerator | undefined;

  private constructor(
    readonly modelId: string,
    readonly device: string,
    readonly providers: readonly string[],
    private readonly config: WhisperModelConfig,
    private readonly text: WhisperText,
    private readonly features: WhisperFeatureExtractor,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: MergedDecoder,
    private readonly decoderSession: ort.InferenceSession,
    private readonly options: WhisperOptions,
  ) {
    this.sampleRate = features.config.sampling_rate as number;
    this.guards = { ...DEFAULT_GUARDS, ...options.guards };
    this.random = mulberry32(options.seed ?? 0);
  }

  cpuSeconds(): Readonly<Record<string, number>> {
    return this.cpu.seconds();
  }

  static async load(options: WhisperOptions): Promise<WhisperRecognizer> {
    const dir = path.resolve(options.modelDir);
    if (!existsSync(dir)) throw new ModelLoadError(`Model directory ${dir} does not exist`);
    const text = WhisperText.load(dir);
    const config = readWhisperConfig(dir, text.specialTokens);
    const language = options.language?.trim().toLowerCase();
    if (language !== undefined) {
      if (!config.isMultilingual && language !== 'en') {
        throw new EngineError(
          'invalid_options',
          `${options.modelId} is English-only; it cannot take language "${language}"`,
        );
      }
      if (config.isMultilingual && !config.languages.has(language)) {
        throw new EngineError('invalid_options', `${options.modelId} does not know language "${language}"`);
      }
    }
    if (options.task === 'translate' && !config.isMultilingual) {
      throw new EngineError('invalid_options', `${options.modelId} is English-only and cannot translate`);
    }
    const features = new WhisperFeatureExtractor(readJson(path.join(dir, 'preprocessor_config.json')));
    if (features.config.feature_size !== config.numMelBins) {
      throw new ModelLoadError(
        `${dir}: preprocessor makes ${features.config.feature_size} mel bins, the model expects ${config.numMelBins}`,
      );
    }
    const files = {
      encoder: modelFile(dir, options.encoderFile ?? WHISPER_ENCODER_FILE),
      decoder: modelFile(dir, options.decoderFile ?? WHISPER_DECODER_FILE),
    };
    // On WebGPU the encoder's output and the decoder's keys and values stay in GPU memory between steps.
    const presents = Array.from({ length: config.decoderLayers }, (_, i) =>
      ['decoder', 'encoder'].flatMap((part) =>
        ['key', 'value'].map((kind) => `present.${i}.${part}.${kind}`),
      ),
    ).flat();
    const opened = await openSessions(options.device, files, {
      ...options,
      gpuOutputs: { encoder: ['last_hidden_state'], decoder: presents },
    });
    const { device, providers, sessions } = opened;
    const { recognizer, gpu } = await startRecognizer(
      options.modelId,
      opened,
      () => {
        requireNames(files.encoder, 'inputs', sessions.encoder.inputNames, ['input_features']);
        requireNames(files.encoder, 'outputs', sessions.encoder.outputNames, ['last_hidden_state']);
        const decoder = new MergedDecoder(sessions.decoder, config, files.decoder);
        return new WhisperRecognizer(
          options.modelId,
          device,
          providers,
          config,
          text,
          features,
          sessions.encoder,
          decoder,
          sessions.decoder,
          { ...options, ...(language !== undefined ? { language } : {}) },
        );
      },
      (recognizer) => recognizer.warmUp(),
      options.info,
    );
    recognizer.gpu = gpu;
    return recognizer;
  }

  /** The GPU the sessions run on, with the nodes its provider left on the CPU; undefined on the CPU. */
  get accelerator(): Accelerator | undefined {
    return this.gpu;
  }

  /** One second of silence through the encoder and two decoder steps (without and with the cache). */
  private async warmUp(): Promise<void> {
    const encoded = await this.encode([new Float32Array(this.sampleRate)]);
    try {
      const prompt = [this.config.sot];
      await this.decoder.generate(encoded, [{ prompt, withTimestamps: false, audioSteps: 50 }], {
        temperature: 0,
        maxNewTokens: 1,
        random: this.random,
      });
    } finally {
      releaseGpuOutputs({ encoded });
    }
  }

  /** Multilingual models know their `<|xx|>` languages, detect one per window and translate into English. */
  get languages(): LanguageSupport {
    const { isMultilingual, languages } = this.config;
    const language = this.options.language ?? (isMultilingual ? undefined : 'en');
    return {
      languages: isMultilingual ? [...languages.keys()] : ['en'],
      detects: isMultilingual,
      translation: isMultilingual ? { '*': ['en'] } : {},
      ...(language !== undefined ? { defaultLanguage: language } : {}),
      ...(this.options.task === 'translate' ? { defaultTarget: 'en' } : {}),
    };
  }

  /** True when word times come from cross-attention rather than from spreading over segments. */
  get wordAlignment(): boolean {
    return this.decoder.hasAlignment;
  }

  get wordTiming(): WordTiming {
    return this.decoder.hasAlignment ? 'measured' : 'spread';
  }

  /** Refuses a language the model does not know, or a translation it cannot make, when the stream is made. */
  createStream(options: StreamOptions = {}): RecognizerStream {
    const { language, targetLanguage, ...rest } = options;
    const chosen = chooseLanguages(this, {
      ...(language !== undefined ? { language } : {}),
      ...(targetLanguage !== undefined ? { targetLanguage } : {}),
    });
    return new WaveformStream<WhisperRecognizer, WhisperResult>(this, this.sampleRate, {
      ...rest,
      ...chosen,
    });
  }

  async decode(streams: readonly RecognizerStream[]): Promise<void> {
    return this.turns.take(streams, (own) => this.decodeNow(own));
  }

  private async decodeNow(streams: WhisperStream[]): Promise<void> {
    const windows = streams.map((stream) =>
      splitWindows(stream.samples(), this.sampleRate, this.previousText(stream.options.prompt), {
        voiced: stream.options.voiced === true,
        once: stream.options.live === true,
        language: stream.options.language,
        translate: stream.options.targetLanguage === 'en' && stream.options.language !== 'en',
      }),
    );
    const flat = windows.flat();
    const results = await this.decodeWindows(flat);
    let next = 0;
    streams.forEach((stream, s) => {
      const parts = (windows[s] ?? []).map((w) => ({ window: w, result: results[next++] as WhisperResult }));
      stream.setResult(joinWindows(parts, stream.options.language ?? 'en'));
    });
  }

  /**
   * Whisper's previous-text convention, as OpenAI's decoder builds it: `<|startofprev|>`, then the
   * prompt's tokens (with a leading space) cut to the last max_target_positions/2 − 1 (223), so the
   * prompt never takes more than half the decoder's context.
   */
  private previousText(prompt: string | undefined): number[] {
    const text = prompt?.trim();
    if (!text) return [];
    const keep = Math.floor(this.config.maxTargetPositions / 2) - 1;
    return [this.config.sotPrev, ...this.text.encode(` ${text}`).slice(-keep)];
  }

  private emptyResult(droppedBy: GuardVerdict | null, language: string): WhisperResult {
    return {
      text: '',
      tokens: [],
      words: [],
      segments: [],
      language,
      noSpeechProb: 0,
      avgLogProb: 0,
      compressionRatio: 1,
      temperature: 0,
      droppedBy,
    };
  }

  private async decodeWindows(windows: Window[]): Promise<WhisperResult[]> {
    const results: (WhisperResult | null)[] = await Promise.all(
      windows.map(async (w) => {
        if (w.samples.length === 0) return this.emptyResult(null, w.language ?? 'en');
        if (
          !w.voiced &&
          this.options.vad &&
          (await this.options.vad.speechSegments(w.samples)).length === 0
        ) {
          return this.emptyResult('no_voice', w.language ?? 'en');
        }
        return null;
      }),
    );
    const audible = windows.map((_, i) => i).filter((i) => results[i] === null);
    if (audible.length === 0) return results as WhisperResult[];

    const samples = audible.map((i) => (windows[i] as Window).samples);
    const encoded = await this.encode(samples);
    try {
      return await this.decodeEncoded(windows, audible, samples, encoded, results);
    } finally {
      releaseGpuOutputs({ encoded });
    }
  }

  private async decodeEncoded(
    windows: Window[],
    audible: number[],
    samples: Float32Array[],
    encoded: ort.Tensor,
    results: (WhisperResult | null)[],
  ): Promise<WhisperResult[]> {
    const languages = await this.windowLanguages(
      encoded,
      audible.map((i) => (windows[i] as Window).language),
    );
    let pending = audible.map((index, row) => ({ index, row }));
    const temperatures = this.guards.temperatures.length > 0 ? this.guards.temperatures : [0];
    for (const [attempt, temperature] of temperatures.entries()) {
      const last = attempt === temperatures.length - 1;
      const requests = pending.map(({ index, row }) =>
        this.request(languages[row] as string, windows[index] as Window),
      );
      const rows = pending.map((p) => p.row);
      const sequences = await this.groupedGenerate(encoded, samples, rows, requests, temperature);
      const retry: typeof pending = [];
      pending.forEach((item, k) => {
        const window = windows[item.index] as Window;
        const sequence = sequences[k] as GeneratedSequence;
        const result = this.toResult(sequence, window, languages[item.row] as string, temperature);
        if (needsFallback(result.droppedBy) && !last && !window.once) retry.push(item);
        else results[item.index] = result;
      });
      pending = retry;
      if (pending.length === 0) break;
    }
    return results as WhisperResult[];
  }

  /**
   * The decoder takes one prompt length per batch (no padding): windows are batched by the length of
   * their prompt (previous text, language, timestamps); rows of one length may hold different prompts.
   */
  private async groupedGenerate(
    encoded: ort.Tensor,
    samples: Float32Array[],
    encodedRows: number[],
    requests: GenerationRequest[],
    temperature: number,
  ): Promise<GeneratedSequence[]> {
    const out = new Array<GeneratedSequence>(requests.length);
    const lengths = [...new Set(requests.map((r) => r.prompt.length))];
    for (const length of lengths) {
      const rows = requests.flatMap((r, i) => (r.prompt.length === length ? [i] : []));
      const part = await this.encodedRows(
        encoded,
        samples,
        rows.map((i) => encodedRows[i] as number),
      );
      const group = rows.map((i) => requests[i] as GenerationRequest);
      this.options.onGenerate?.(group);
      const maxNewTokens = this.options.maxNewTokens ?? Math.floor(this.config.maxTargetPositions / 2);
      try {
        const generated = await this.cpu.measure('decoding', () =>
          this.decoder.generate(part, group, { temperature, maxNewTokens, random: this.random }),
        );
        rows.forEach((i, k) => {
          out[i] = generated[k] as GeneratedSequence;
        });
      } finally {
        if (part !== encoded) releaseGpuOutputs({ part });
      }
    }
    return out;
  }

  /**
   * Some rows of the encoder's output: copied out of host memory, or, when it stays in GPU memory
   * (which the Node API cannot read back), encoded again from those windows' samples.
   */
  private async encodedRows(
    encoded: ort.Tensor,
    samples: Float32Array[],
    rows: number[],
  ): Promise<ort.Tensor> {
    if (rows.length === (encoded.dims[0] ?? 0) && rows.every((row, i) => row === i)) return encoded;
    if (encoded.location === 'gpu-buffer')
      return this.encode(rows.map((row) => samples[row] as Float32Array));
    return selectRows(encoded, rows);
  }

  private async encode(waves: Float32Array[]): Promise<ort.Tensor> {
    const features = await this.cpu.measure('features', () =>
      Promise.all(waves.map((w) => whisperFeatures(this.features, w))),
    );
    const first = features[0];
    if (!first) throw new EngineError('decode_failed', 'no features were extracted');
    const { bins, frames } = first;
    const batch = new Float32Array(waves.length * bins * frames);
    features.forEach((f, b) => {
      batch.set(f.data, b * bins * frames);
    });
    const out = await this.cpu.measure('encoder', () =>
      this.encoder.run({
        input_features: floatTensor(floatInputType(this.encoder, 'input_features'), batch, [
          waves.length,
          bins,
          frames,
        ]),
      }),
    );
    return out.last_hidden_state as ort.Tensor;
  }

  /**
   * The language of each encoded window: the one asked for, or (multilingual models) the likeliest
   * language token after SOT.
   */
  private async windowLanguages(encoded: ort.Tensor, asked: (string | undefined)[]): Promise<string[]> {
    if (!this.config.isMultilingual || asked.every((l) => l !== undefined)) {
      return asked.map((l) => l ?? 'en');
    }
    const logits = await this.cpu.measure('decoding', () =>
      this.decoder.promptLogits(encoded, [this.config.sot]),
    );
    return logits.map((rows, row) => {
      const given = asked[row];
      if (given !== undefined) return given;
      const scores = rows[0] as Float32Array;
      let best = 'en';
      let bestScore = -Infinity;
      for (const [code, id] of this.config.languages) {
        const score = scores[id] ?? -Infinity;
        if (score > bestScore) {
          best = code;
          bestScore = score;
        }
      }
      return best;
    });
  }

  private request(language: string, window: Window): GenerationRequest {
    const { config, options } = this;
    const prompt = [...window.previous, config.sot];
    if (config.isMultilingual) {
      const languageToken = config.languages.get(language);
      const taskToken = window.translate && language !== 'en' ? config.translate : config.transcribe;
      if (languageToken !== undefined) prompt.push(languageToken);
      if (taskToken !== undefined) prompt.push(taskToken);
    }
    const withTimestamps = options.timestamps ?? true;
    if (!withTimestamps) prompt.push(config.noTimestamps);
    return {
      prompt,
      withTimestamps,
      audioSteps: Math.round(window.samples.length / this.sampleRate / TIME_PRECISION),
    };
  }

  private toResult(
    sequence: GeneratedSequence,
    window: Window,
    language: string,
    temperature: number,
  ): WhisperResult {
    const duration = window.samples.length / this.sampleRate;
    const textTokens = sequence.tokens.filter((id) => id < this.config.eot);
    const plain = this.text.decode(textTokens).trim();
    const quality = { text: plain, avgLogProb: sequence.avgLogProb, noSpeechProb: sequence.noSpeechProb };
    const droppedBy = failedGuard(quality, this.guards);
    const measured = {
      language,
      noSpeechProb: sequence.noSpeechProb,
      avgLogProb: sequence.avgLogProb,
      compressionRatio: compressionRatio(plain),
      temperature,
    };
    if (droppedBy) return { ...this.emptyResult(droppedBy, language), ...measured };
    const frames = Math.min(Math.ceil(duration / TIME_PRECISION), sequence.attention[0]?.[0]?.length ?? 0);
    const starts = this.decoder.hasAlignment
      ? alignTokens(sequence.attention, frames, this.config.medianFilterWidth)
      : null;
    const timed = timeText(
      sequence.tokens,
      sequence.logProbs,
      starts,
      this.text,
      this.config.timestampBegin,
      duration,
    );
    return {
      text: timed.words.map((w) => w.word).join(' '),
      tokens: timed.tokens,
      words: timed.words,
      segments: timed.segments,
      ...measured,
      droppedBy: null,
    };
  }

  /** Frees the ONNX sessions once the decode under way is done; later calls wait for the same release. */
  release(): Promise<void> {
    return this.turns.release(async () => {
      await Promise.all([this.encoder.release(), this.decoderSession.release()]);
      await this.options.vad?.release();
    });
  }
}

function splitWindows(
  samples: Float32Array,
  sampleRate: number,
  previous: readonly number[],
  hints: Pick<Window, 'voiced' | 'once' | 'language' | 'translate'>,
): Window[] {
  return fixedWindows(samples, sampleRate, WINDOW_SECONDS).map((w) => ({ ...w, previous, ...hints }));
}

function joinWindows(parts: { window: Window; result: WhisperResult }[], language: string): WhisperResult {
  const only = parts[0];
  if (parts.length === 1 && only) return only.result;
  const at = (offset: number) => (s: number) => Math.round((s + offset) * 1e6) / 1e6;
  const kept = parts.filter((p) => p.result.droppedBy === null);
  const words = kept.flatMap(({ window, result }) =>
    result.words.map((w) => ({ ...w, start: at(window.offset)(w.start), end: at(window.offset)(w.end) })),
  );
  const first = parts[0]?.result;
  return {
    text: words.map((w) => w.word).join(' '),
    words,
    tokens: kept.flatMap(({ window, result }) =>
      result.tokens.map((t) => ({ ...t, start: at(window.offset)(t.start) })),
    ),
    segments: kept.flatMap(({ window, result }) =>
      result.segments.map((s) => ({
        ...s,
        start: at(window.offset)(s.start),
        end: at(window.offset)(s.end),
      })),
    ),
    language: first?.language ?? language,
    noSpeechProb: Math.min(...parts.map((p) => p.result.noSpeechProb)),
    avgLogProb: kept.length > 0 ? kept.reduce((n, p) => n + p.result.avgLogProb, 0) / kept.length : 0,
    compressionRatio: Math.max(...parts.map((p) => p.result.compressionRatio)),
    temperature: Math.max(...parts.map((p) => p.result.temperature)),
    droppedBy: kept.length === 0 ? (first?.droppedBy ?? null) : null,
  };
}

/** Rows of a [batch, …] float32 or float16 tensor in host memory as a new tensor. */
function selectRows(tensor: ort.Tensor, rows: number[]): ort.Tensor {
  const data = tensor.data as Float32Array | Uint16Array;
  const [batch = 1, ...rest] = tensor.dims;
  const size = data.length / batch;
  const out = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(rows.length * size);
  rows.forEach((row, i) => {
    out.set(data.subarray(row * size, (row + 1) * size), i * size);
  });
  return new ort.Tensor(tensor.type as 'float32', out as Float32Array, [rows.length, ...rest]);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
