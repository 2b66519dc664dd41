import type { Accelerator } from './accelerator.js';

/**
 * The recognizer seam, in the shape of sherpa-onnx's offline API: a recognizer makes streams,
 * a stream accepts 16 kHz mono waveform, and the recognizer decodes many streams in one batch.
 * Times are seconds from the start of the audio given to the stream.
 */

export interface RecognizedToken {
  id: number;
  /** The vocabulary piece; a piece that starts a word begins with a space (SentencePiece's `▁`). */
  text: string;
  start: number;
  /** Probability of the token at its frame, 0..1. */
  confidence: number;
}

export interface RecognizedWord {
  word: string;
  start: number;
  end: number;
  /** The lowest confidence among the word's tokens. */
  confidence: number;
}

export interface RecognitionResult {
  text: string;
  tokens: RecognizedToken[];
  words: RecognizedWord[];
}

export interface RecognizerStream {
  acceptWaveform(samples: Float32Array): void;
  /** Seconds of audio accepted so far. */
  readonly duration: number;
  /** Set by `Recognizer.decode`; null until the stream has been decoded. */
  readonly result: RecognitionResult | null;
}

/** What one request asks of the decoding of its stream; an engine without the input ignores the field. */
export interface StreamOptions {
  /** Text that came before this audio: Whisper's previous-text prompt. Parakeet has no such input. */
  prompt?: string;
}

/** What a recognizer does with languages, fixed when it was loaded (Whisper). */
export interface LanguageSetup {
  multilingual: boolean;
  /** The language it decodes as; undefined when it detects one per window. */
  language?: string;
  task: 'transcribe' | 'translate';
}

export interface Recognizer {
  readonly modelId: string;
  /** Set by recognizers that can be told a language or to translate; undefined for the others. */
  readonly languageSetup?: LanguageSetup;
  readonly sampleRate: number;
  /** The device asked for and got: `cpu`, `cuda:0`, `webgpu`, … */
  readonly device: string;
  /** Execution providers actually active in the sessions, in priority order. */
  readonly providers: readonly string[];
  /** On a GPU: its adapter, the nodes left on the CPU, the GPU memory held. */
  readonly accelerator?: Accelerator | undefined;
  createStream(options?: StreamOptions): RecognizerStream;
  /** Decodes every stream in one encoder batch and stores each stream's result. */
  decode(streams: readonly RecognizerStream[]): Promise<void>;
  release(): Promise<void>;
}

export type DeviceRequest = 'cpu' | 'auto' | 'cuda' | `cuda:${number}` | 'webgpu';
