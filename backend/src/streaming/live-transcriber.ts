import type { Segment } from '@earshot/shared';
import type { ChunkRequest, RecognitionResult } from '../engine/types';

/** What a policy tells the recognizer of a window beside its audio. */
export interface WindowOptions {
  /** Decode it as this chunk of the recording. */
  chunk?: ChunkRequest;
  /** The recording's speech detector heard speech in it. */
  voiced?: boolean;
  /** A later window covers this audio again. */
  live?: boolean;
}

/** Recognizes one window of 16 kHz mono audio; word times in seconds from the window's start. */
export type WindowRecognizer = (samples: Float32Array, options?: WindowOptions) => Promise<RecognitionResult>;

export interface TranscriptUpdate {
  /** Segments that became final with this step. */
  finals: Segment[];
  /** The current interim segment, if any words are still open. */
  interim: Segment | null;
}

/**
 * The streaming policy of one recording, kept apart from the model: audio goes in, each step asks
 * the recognizer about the audio still open and says which words became final and which are interim.
 * Final words never change.
 */
export interface LiveTranscriber {
  /** Seconds of audio received so far, counted from the recording's start. */
  readonly audioSeconds: number;
  /** Start of the audio not yet final, seconds from the recording's start. */
  readonly windowStart: number;
  /** The id every interim segment of this recording carries. */
  readonly interimId: string;
  readonly currentInterim: Segment | null;
  append(samples: Float32Array): void;
  /** Whether a step now would recognize something new (the policy's cadence). */
  due(): boolean;
  /** Recognizes the open audio; with `final`, the recording ended and everything left becomes final. */
  step(options: { final: boolean }): Promise<TranscriptUpdate>;
  /**
   * Gives up recognizing the audio before `seconds` (recognition is too far behind): the latest words
   * heard there become final, the rest of that audio is never recognized.
   */
  skipTo(seconds: number): TranscriptUpdate;
}
