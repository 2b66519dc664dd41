/**
 * Share of a chunk's audio duration its answer may spend waiting for the recognition it started. The
 * rest is for the chunk's own decode, the round trip and the tab: an uploader sends one chunk at a
 * time, so answers that take as long as the audio, with that overhead on top, queue up behind each
 * other and the tab falls ever further behind (measured at 0.6B size, where a recognition is always
 * running). A recognition not done by then sends its captions with a later answer.
 */
export const ANSWER_WAIT_SHARE = 0.5;

/** Milliseconds after its arrival by which a chunk that brought `audioSeconds` of audio is answered. */
export function answerWaitMs(audioSeconds: number): number {
  return Math.max(0, audioSeconds) * 1000 * ANSWER_WAIT_SHARE;
}
