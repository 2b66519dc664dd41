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
  /** Set for a stream decoded as a chunk (`StreamOptions.chunk`). */
  chunk?: ChunkResult;
}

/**
 * The decoder's state between two chunks of one recording (for a transducer: the prediction
 * network's state, the last token, frames the duration head skipped past the chunk's end, and the
 * tokens of a word not yet complete). Only the recognizer that made it can read it.
 */
export interface DecoderCarry {
  readonly modelId: string;
}

/**
 * Buffered streaming (NeMo's buffered transducer inference): the stream holds left context, the
 * chunk and right context; only the chunk's frames are decoded for good, from the state the previous
 * chunk left, and the right context is decoded tentatively from a copy of that state. Each frame is
 * decoded for good once; the encoder sees each second of audio (left + chunk + right) / chunk times.
 */
export interface ChunkRequest {
  /** Seconds into the stream where the chunk starts: where the previous chunk's final part ended. */
  from: number;
  /** Seconds into the stream where the chunk ends; later audio is right context. */
  to: number;
  /** What the previous chunk left; null starts afresh (a new stretch of speech). */
  carry: DecoderCarry | null;
  /** Speech ends at `to` (a pause, or the recording's end): every word before it is complete. */
  closing: boolean;
}

/**
 * Where a decoded chunk can end: at a word boundary, so that no word is ever decoded half in one chunk
 * and half in the next. The policy picks one; the next chunk starts at its `through`.
 */
export interface ChunkEnd {
  /** `words[0, committed)` are final when the chunk ends here. */
  committed: number;
  /** Seconds into the stream: the start of the next chunk. */
  through: number;
  /** For the next chunk. */
  carry: DecoderCarry;
}

export interface ChunkResult {
  /** Where the chunk can end, in order: at each word opened inside it, and at its `to` when that is a boundary. */
  ends: ChunkEnd[];
}

/** What a recognizer that decodes chunks needs to know to cut them. */
export interface ChunkedDecoding {
  /** Seconds per decoder frame: chunk edges fall on multiples of it from the stream's start. */
  frameSeconds: number;
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
  /** Decode the stream as one chunk of a recording; only for a recognizer with `chunking`. */
  chunk?: ChunkRequest;
  /**
   * The caller's own speech detector heard speech in this audio: a recognizer that gates on speech
   * itself (Whisper, against its text on silence) need not look again.
   */
  voiced?: boolean;
  /**
   * Decoded for live captions: a later window covers this audio again within a second or so, so the
   * recognizer spends no second attempts on it (Whisper decodes it at temperature 0 only).
   */
  live?: boolean;
  /**
   * The spoken language (ISO 639-1), for a recognizer that can be told one (`Recognizer.languages`);
   * absent: it detects the language, or takes its default.
   */
  language?: string;
  /** Write the text in this language: a translation when it differs from the spoken one. */
  targetLanguage?: string;
}

/** What a recognizer can do with languages, read from the model when it was loaded. */
export interface LanguageSupport {
  /** Spoken languages it can be told (ISO 639-1 codes), in the model's order. */
  languages: readonly string[];
  /** It finds the spoken language of each window itself when it is not told one (Whisper). */
  detects: boolean;
  /** What it translates: from a spoken language (`*`: any) into these languages. */
  translation: Readonly<Record<string, readonly string[]>>;
  /** The spoken language it takes when a request names none; undefined: it detects one per window. */
  defaultLanguage?: string;
  /** The language it writes when a request names none, when that is a translation (`--task translate`). */
  defaultTarget?: string;
}

/**
 * How a recognizer's word times were obtained: `measured` from the model's own output (token frames,
 * or Whisper's cross-attention), `spread` estimated by spreading a window's words over its sound
 * (models whose exports output no times, such as Canary's, and any translation).
 */
export type WordTiming = 'measured' | 'spread';

export interface Recognizer {
  readonly modelId: string;
  /** Set by recognizers that can be told a language or to translate; undefined for the others. */
  readonly languages?: LanguageSupport;
  /** How its word times are obtained; absent: measured. */
  readonly wordTiming?: WordTiming;
  readonly sampleRate: number;
  /** The device asked for and got: `cpu`, `cuda:0`, `webgpu`, … */
  readonly device: string;
  /** Execution providers actually active in the sessions, in priority order. */
  readonly providers: readonly string[];
  /** Set by recognizers that decode chunks with state carried between them (transducers). */
  readonly chunking?: ChunkedDecoding;
  /** On a GPU: its adapter, the nodes left on the CPU, the GPU memory held. */
  readonly accelerator?: Accelerator | undefined;
  createStream(options?: StreamOptions): RecognizerStream;
  /** CPU seconds its decodes have used so far, by part (features, encoder, decoding). */
  cpuSeconds?(): Readonly<Record<string, number>>;
  /** Decodes every stream in one encoder batch and stores each stream's result. */
  decode(streams: readonly RecognizerStream[]): Promise<void>;
  release(): Promise<void>;
}

export type DeviceRequest = 'cpu' | 'auto' | 'cuda' | `cuda:${number}` | 'webgpu';
