import type { LanguageChoice } from '../engine/language-support';
import type { ChunkedDecoding } from '../engine/types';
import type { Infer, RecordingPipelineOptions } from './recording-pipeline';

/** What a recording asks for; an absent field takes the server's default, a null interim model none. */
export interface RecognitionRequest {
  model?: string;
  interimModel?: string | null;
  /** The spoken language; absent: the model detects it, or takes its default. */
  language?: string;
  /** Write the captions in this language (a translation); absent: the spoken language. */
  targetLanguage?: string;
  /** With a translation, the captions in the spoken language too: a second decode of the same audio. */
  dual?: boolean;
}

/** The models a recording is recognized with, held from its start until it ends. */
export interface HeldModel {
  /** The model whose words become final. */
  id: string;
  /** Windows for `id`'s inference queue. */
  infer: Infer;
  /** Set when `id` decodes chunks with its state carried on (see RecordingPipelineOptions.chunking). */
  chunking?: ChunkedDecoding;
  /** Estimated engine seconds before a final sent to `id`'s queue now would be decoded. */
  finalBacklogSeconds?(): number;
  /** A fast model beside it that makes the interims (and runs the commit policy); absent: `id` does both. */
  interim?: { id: string; infer: Infer; chunking?: ChunkedDecoding };
  /** The languages settled for the recording: every window of `infer` (and the interim's) is decoded so. */
  languages: LanguageChoice;
  /** Dual captions: windows of the same model in the spoken language, for the original's captions. */
  original?: { infer: Infer; chunking?: ChunkedDecoding };
  release(): void;
}

/**
 * How a recording's pipeline uses the held models: alone, the model does everything; with an interim
 * model, that one runs the streaming policy and the model decodes each stretch the policy commits.
 */
export function recognitionOptions(
  held: HeldModel,
  limits: { maxPendingFinalSeconds: number; maxFinalBacklogSeconds: number },
): Pick<RecordingPipelineOptions, 'infer' | 'chunking' | 'quality'> {
  if (!held.interim) return { infer: held.infer, ...(held.chunking ? { chunking: held.chunking } : {}) };
  const { finalBacklogSeconds } = held;
  return {
    infer: held.interim.infer,
    ...(held.interim.chunking ? { chunking: held.interim.chunking } : {}),
    quality: {
      infer: held.infer,
      maxPendingSeconds: limits.maxPendingFinalSeconds,
      ...(finalBacklogSeconds ? { behind: () => finalBacklogSeconds() > limits.maxFinalBacklogSeconds } : {}),
    },
  };
}
