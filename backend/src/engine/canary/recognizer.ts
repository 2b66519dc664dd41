import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Accelerator, startRecognizer } from '../accelerator.js';
import { CpuLedger } from '../cpu-ledger.js';
import { DecodeTurns } from '../decode-turns.js';
import { type OpenSessionsOptions, openSessions } from '../device.js';
import { EngineError, ModelLoadError } from '../errors.js';
import { fixedWindows } from '../fixed-windows.js';
import { chooseLanguages } from '../language-support.js';
import { shiftResult } from '../long-audio.js';
import { modelFile, preprocessorFile } from '../model-files.js';
import { requireNames, tensorData } from '../onnx-io.js';
import type {
  LanguageSupport,
  RecognitionResult,
  Recognizer,
  RecognizerStream,
  StreamOptions,
} from '../types.js';
import { readVocabulary, type Vocabulary } from '../vocab.js';
import { WaveformStream } from '../waveform-stream.js';
import { greedyDecode } from './greedy.js';
import {
  CANARY_DECODER_FILE,
  CANARY_ENCODER_FILE,
  type CanaryConfig,
  readCanaryConfig,
} from './model-config.js';
import { CanaryPrompt } from './prompt.js';
import { soundingPart } from './sounding-part.js';
import { piecesToWords } from './text.js';
import { spreadWords } from './word-times.js';

/**
 * The longest window decoded in one piece: NeMo's and onnx-asr's Canary calls stay under 30–40 s of
 * audio (the model was trained on utterances up to 40 s); longer streams are decoded as consecutive
 * windows of this length, each without its silent edges (see soundingPart).
 */
export const CANARY_WINDOW_SECONDS = 30;

export interface CanaryOptions extends OpenSessionsOptions {
  modelDir: string;
  modelId: string;
  /** cpu | auto | cuda | cuda:N | webgpu */
  device: string;
  encoderFile?: string;
  decoderFile?: string;
  /**
   * The languages the model was trained for, when its vocabulary names more (Canary-1B-v2's tokenizer
   * has tokens for languages it does not recognize); absent: every `<|xx|>` token of the vocabulary.
   */
  trainedLanguages?: readonly string[];
  /** The spoken language of requests that name none (Canary does not detect it); default English. */
  language?: string;
  /** The language requests that name none are written in; default: the spoken one. */
  targetLanguage?: string;
}

/** A Canary stream's result: the seam's text, tokens and words, and the languages it was decoded with. */
export interface CanaryResult extends RecognitionResult {
  language: string;
  targetLanguage: string;
}

type CanaryStream = WaveformStream<CanaryRecognizer, CanaryResult>;

/** A ≤ 30 s piece of one stream's audio, decoded as one row of a batch. */
interface Window {
  stream: number;
  samples: Float32Array;
  /** Seconds from the stream's start. */
  offset: number;
  prompt: number[];
}

/**
 * NVIDIA Canary (canary-1b-v2, canary-180m-flash) in the onnx-asr layout: NeMo's 128-bin front end,
 * `encoder-model.onnx` (audio_signal [B,F,T], length [B] → encoder_embeddings [B,T',H], encoder_mask
 * [B,T']) and `decoder-model.onnx` (input_ids, the encoder's outputs and the cache decoder_mems
 * [L,B,m,H] → log-probabilities of the last position and the cache grown by the new positions), with
 * the canary2 prompt naming the spoken language and the one to write. Windows of every stream in a
 * call are decoded together, greedily. The exports output no timestamps: word times are spread over
 * each window's sound (see spreadWords), and the recognizer says so (`wordTiming`).
 */
export class CanaryRecognizer implements Recognizer {
  readonly sampleRate: number;
  readonly wordTiming = 'spread' as const;
  readonly languages: LanguageSupport;
  private readonly cpu = new CpuLedger(['features', 'encoder', 'decoding']);
  private readonly turns = new DecodeTurns<CanaryRecognizer, CanaryResult>(this);
  private gpu: Accelerator | undefined;

  private constructor(
    readonly modelId: string,
    readonly device: string,
    readonly providers: readonly string[],
    private readonly config: CanaryConfig,
    private readonly vocab: Vocabulary,
    private readonly prompt: CanaryPrompt,
    private readonly sessions: Record<'preprocessor' | 'encoder' | 'decoder', ort.InferenceSession>,
    private readonly mems: { layers: number; width: number },
    options: CanaryOptions,
  ) {
    this.sampleRate = config.sampleRate;
    this.languages = languageSupport(modelId, prompt, options);
  }

  static async load(options: CanaryOptions): Promise<CanaryRecognizer> {
    const dir = path.resolve(options.modelDir);
    if (!existsSync(dir)) throw new ModelLoadError(`Model directory ${dir} does not exist`);
    const config = readCanaryConfig(dir);
    const vocabFile = path.join(dir, 'vocab.txt');
    const vocab = readVocabulary(vocabFile);
    const prompt = new CanaryPrompt(vocab, vocabFile);
    const files = {
      preprocessor: preprocessorFile(dir, config.featuresSize),
      encoder: modelFile(dir, options.encoderFile ?? CANARY_ENCODER_FILE),
      decoder: modelFile(dir, options.decoderFile ?? CANARY_DECODER_FILE),
    };
    const opened = await openSessions(options.device, files, options, { preprocessor: 1 });
    const { device, providers, sessions } = opened;
    const { recognizer, gpu } = await startRecognizer(
      options.modelId,
      opened,
      () => {
        requireNames(files.preprocessor, 'inputs', sessions.preprocessor.inputNames, [
          'waveforms',
          'waveforms_lens',
        ]);
        requireNames(files.encoder, 'inputs', sessions.encoder.inputNames, ['audio_signal', 'length']);
        requireNames(files.encoder, 'outputs', sessions.encoder.outputNames, [
          'encoder_embeddings',
          'encoder_mask',
        ]);
        requireNames(files.decoder, 'inputs', sessions.decoder.inputNames, [
          'input_ids',
          'encoder_embeddings',
          'encoder_mask',
          'decoder_mems',
        ]);
        requireNames(files.decoder, 'outputs', sessions.decoder.outputNames, [
          'logits',
          'decoder_hidden_states',
        ]);
        return new CanaryRecognizer(
          options.modelId,
          device,
          providers,
          config,
          vocab,
          prompt,
          sessions,
          cacheShape(sessions.decoder, files.decoder),
          options,
        );
      },
      (recognizer) => recognizer.warmUp(),
      options.info,
    );
    recognizer.gpu = gpu;
    return recognizer;
  }

  get accelerator(): Accelerator | undefined {
    return this.gpu;
  }

  cpuSeconds(): Readonly<Record<string, number>> {
    return this.cpu.seconds();
  }

  /** Refuses a language the model does not know, or a translation it cannot make, when the stream is made. */
  createStream(options: StreamOptions = {}): RecognizerStream {
    const chosen = chooseLanguages(this, options);
    return new WaveformStream<CanaryRecognizer, CanaryResult>(this, this.sampleRate, {
      ...options,
      ...chosen,
    });
  }

  async decode(streams: readonly RecognizerStream[]): Promise<void> {
    return this.turns.take(streams, (own) => this.decodeNow(own));
  }

  /** One second of silence through every session (straight to them: a decode skips silence). */
  private async warmUp(): Promise<void> {
    const language = this.languages.defaultLanguage as string;
    const samples = new Float32Array(this.sampleRate);
    await this.decodeWindows([
      { stream: 0, samples, offset: 0, prompt: this.prompt.tokens(language, language) },
    ]);
  }

  private async decodeNow(streams: CanaryStream[]): Promise<void> {
    const choices = streams.map((s) => this.languagesOf(s));
    const windows = streams.flatMap((stream, index) => {
      const { language, target } = choices[index] as { language: string; target: string };
      return fixedWindows(stream.samples(), this.sampleRate, CANARY_WINDOW_SECONDS).map((w) => {
        const { start, end } = soundingPart(w.samples, this.sampleRate);
        return {
          samples: w.samples.subarray(start, end),
          offset: w.offset + start / this.sampleRate,
          stream: index,
          prompt: this.prompt.tokens(language, target),
        };
      });
    });
    const audible = windows.filter((w) => w.samples.length > 0);
    const decoded = audible.length > 0 ? await this.decodeWindows(audible) : [];
    streams.forEach((stream, index) => {
      const { language, target } = choices[index] as { language: string; target: string };
      const parts = audible.flatMap((w, k) =>
        w.stream === index ? [{ window: w, tokens: decoded[k] ?? [] }] : [],
      );
      stream.setResult(this.result(parts, language, target));
    });
  }

  private languagesOf(stream: CanaryStream): { language: string; target: string } {
    const language = stream.options.language ?? (this.languages.defaultLanguage as string);
    return { language, target: stream.options.targetLanguage ?? language };
  }

  private async decodeWindows(windows: Window[]): Promise<DecodedToken[][]> {
    const width = Math.max(...windows.map((w) => w.samples.length));
    const batch = new Float32Array(windows.length * width);
    windows.forEach((w, b) => {
      batch.set(w.samples, b * width);
    });
    const features = await this.cpu.measure('features', () =>
      this.sessions.preprocessor.run({
        waveforms: new ort.Tensor('float32', batch, [windows.length, width]),
        waveforms_lens: new ort.Tensor(
          'int64',
          BigInt64Array.from(windows, (w) => BigInt(w.samples.length)),
          [windows.length],
        ),
      }),
    );
    const encoded = await this.cpu.measure('encoder', () =>
      this.sessions.encoder.run({
        audio_signal: features.features as ort.Tensor,
        length: features.features_lens as ort.Tensor,
      }),
    );
    const embeddings = encoded.encoder_embeddings as ort.Tensor;
    const mask = encoded.encoder_mask as ort.Tensor;
    return this.cpu.measure('decoding', () =>
      greedyDecode(
        this.sessions.decoder,
        {
          embeddings: tensorData(embeddings, Float32Array),
          mask: tensorData(mask, BigInt64Array),
          frames: embeddings.dims[1] ?? 0,
          width: embeddings.dims[2] ?? 0,
        },
        windows.map((w) => ({ prompt: w.prompt, maxTokens: this.tokenBudget(w) })),
        { endOfText: this.prompt.endOfText, cache: this.mems },
      ),
    );
  }

  /**
   * Tokens a window may take before it is cut: what the decoder's positions leave after the prompt,
   * and never more than MAX_TOKENS_PER_SECOND of its audio (no speech is written faster; a decoder
   * repeating itself on noise stops there).
   */
  private tokenBudget(window: Window): number {
    const seconds = window.samples.length / this.sampleRate;
    return Math.min(
      this.config.maxSequenceLength - window.prompt.length,
      Math.ceil(seconds * MAX_TOKENS_PER_SECOND) + MIN_TOKENS,
    );
  }

  private result(
    parts: { window: Window; tokens: DecodedToken[] }[],
    language: string,
    targetLanguage: string,
  ): CanaryResult {
    const words: CanaryResult['words'] = [];
    const tokens: CanaryResult['tokens'] = [];
    for (const { window, tokens: decoded } of parts) {
      const spread = spreadWords(piecesToWords(decoded, this.vocab), window.samples, this.sampleRate);
      const shifted = shiftResult({ text: '', ...spread }, window.offset);
      words.push(...shifted.words);
      tokens.push(...shifted.tokens);
    }
    return { text: words.map((w) => w.word).join(' '), tokens, words, language, targetLanguage };
  }

  release(): Promise<void> {
    return this.turns.release(() => Promise.all(Object.values(this.sessions).map((s) => s.release())));
  }
}

/** A token the greedy loop chose, with its probability. */
export interface DecodedToken {
  id: number;
  confidence: number;
}

/** See tokenBudget. */
const MAX_TOKENS_PER_SECOND = 25;
const MIN_TOKENS = 8;

function languageSupport(modelId: string, prompt: CanaryPrompt, options: CanaryOptions): LanguageSupport {
  const known = [...prompt.languages.keys()];
  const languages = options.trainedLanguages
    ? known.filter((l) => options.trainedLanguages?.includes(l))
    : known;
  if (languages.length === 0)
    throw new ModelLoadError(`${modelId}: its vocabulary names none of its languages`);
  // Canary translates between English and each of its other languages.
  const translation: Record<string, string[]> = {};
  if (languages.includes('en')) {
    const others = languages.filter((l) => l !== 'en');
    if (others.length > 0) translation.en = others;
    for (const l of others) translation[l] = ['en'];
  }
  const defaultLanguage = options.language ?? (languages.includes('en') ? 'en' : (languages[0] as string));
  const support: LanguageSupport = {
    languages,
    detects: false,
    translation,
    defaultLanguage,
  };
  if (!languages.includes(defaultLanguage)) {
    throw new EngineError('invalid_options', `${modelId} does not know language "${defaultLanguage}"`);
  }
  if (options.targetLanguage !== undefined && options.targetLanguage !== defaultLanguage) {
    const chosen = chooseLanguages({ modelId, languages: support } as Recognizer, {
      language: defaultLanguage,
      targetLanguage: options.targetLanguage,
    });
    support.defaultTarget = chosen.targetLanguage;
  }
  return support;
}

/** decoder_mems' layer count and width, fixed axes of the export (onnx-asr reads them the same way). */
function cacheShape(decoder: ort.InferenceSession, file: string): { layers: number; width: number } {
  const meta = decoder.inputMetadata.find((m) => m.name === 'decoder_mems');
  const shape = meta?.isTensor ? meta.shape : [];
  const [layers, , , width] = shape;
  if (typeof layers !== 'number' || typeof width !== 'number') {
    throw new ModelLoadError(
      `${file}: decoder_mems must have fixed layer and width axes, has [${shape.join(', ')}]`,
    );
  }
  return { layers, width };
}
