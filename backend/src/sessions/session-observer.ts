/** What the sessions report as they work; every method is optional. */
export interface SessionObserver {
  /** Open recordings after one opened or closed. */
  sessionsChanged?(count: number): void;
  /** Seconds from writing a chunk to the decoder until its audio came out. */
  chunkDecoded?(seconds: number): void;
  /** ffmpeg could not decode a recording's audio. */
  audioDecoderFailed?(): void;
  /** Seconds of a recording's audio given up unrecognized because recognition fell too far behind. */
  audioSkipped?(seconds: number): void;
  /** A chunk was answered. */
  answered?(outcome: { behind: boolean; lagSeconds: number }): void;
}
