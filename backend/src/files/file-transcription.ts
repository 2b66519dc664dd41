import { decodeAudioFile } from '../audio/file-decoder';
import { type LongRecognition, transcribeWindows } from '../engine/long-audio';
import type { RecognizedWord } from '../engine/types';
import type { SpeechSegment } from '../engine/vad';
import type { InferenceQueue } from '../streaming/inference-queue';

/** Where speech is in a whole file (Silero VAD); without it the file is one stretch. */
export type FindSpeech = (samples: Float32Array, signal?: AbortSignal) => Promise<SpeechSegment[]>;

/**
 * File windows are short because each is one recognizer call at batch priority: a live window that
 * arrives while one runs waits for at most this much audio to be decoded.
 */
export const FILE_WINDOW = { chunkSeconds: 10, overlapSeconds: 2 } as const;

export interface FileTranscriptionOptions {
  /** Names this file's windows in the queue (a job id), so they can be withdrawn. */
  key: string;
  findSpeech?: FindSpeech;
  /** Aborting stops before the next window and withdraws the waiting one. */
  signal?: AbortSignal;
  /** Seconds of the file done and its length, after every window and once the audio is decoded. */
  onProgress?: (doneSeconds: number, totalSeconds: number) => void;
  /** Words each window added, as soon as it is recognized. */
  onWords?: (words: readonly RecognizedWord[]) => void;
}

export interface FileTranscript {
  durationSeconds: number;
  recognition: LongRecognition;
}

/**
 * Transcribes a file through the shared inference queue at batch priority: decoded by ffmpeg, cut at
 * the pauses VAD finds, one short window per queue request. Knows nothing of HTTP.
 */
export async function transcribeFileThroughQueue(
  path: string,
  model: { queue: InferenceQueue; sampleRate: number },
  { key, findSpeech, signal, onProgress, onWords }: FileTranscriptionOptions,
): Promise<FileTranscript> {
  const samples = await decodeAudioFile(path);
  const durationSeconds = samples.length / model.sampleRate;
  signal?.throwIfAborted();
  onProgress?.(0, durationSeconds);
  const speech = await findSpeech?.(samples, signal);
  signal?.throwIfAborted();

  const withdraw = () => model.queue.withdraw(key);
  signal?.addEventListener('abort', withdraw, { once: true });
  try {
    const recognition = await transcribeWindows(
      async ([window]) => {
        const outcome = await model.queue.submit({ key, kind: 'batch', samples: window as Float32Array });
        if (outcome.status !== 'recognized')
          throw signal?.reason ?? new Error(`file window ${outcome.status}`);
        return [outcome.result];
      },
      model.sampleRate,
      samples,
      {
        ...FILE_WINDOW,
        batchSize: 1,
        ...(speech ? { speech } : {}),
        ...(signal ? { signal } : {}),
        onWords: (words) => {
          if (words.length > 0) onWords?.(words);
        },
        ...(onProgress ? { onProgress } : {}),
      },
    );
    return { durationSeconds, recognition };
  } finally {
    signal?.removeEventListener('abort', withdraw);
  }
}
