import { streamAudioFile } from '../audio/file-decoder';
import { ForwardSampleReader } from '../audio/forward-sample-reader';
import { joinSamples } from '../audio/join-samples';
import type { LanguageChoice } from '../engine/language-support';
import { type LongRecognition, transcribeWindows } from '../engine/long-audio';
import type { RecognizedWord } from '../engine/types';
import { type SpeechSegment, segmentsFromProbabilities } from '../engine/vad';
import type { InferenceQueue } from '../streaming/inference-queue';
import type { FrameClassifier } from '../streaming/speech-activity';

/** A fresh Silero VAD stream for each file, to find where its speech is; without it the file is one stretch. */
export type CreateVadStream = () => FrameClassifier;

/**
 * File windows are short because each is one recognizer call at batch priority: a live window that
 * arrives while one runs waits for at most this much audio to be decoded.
 */
export const FILE_WINDOW = { chunkSeconds: 10, overlapSeconds: 2 } as const;

export interface FileTranscriptionOptions {
  /** Names this file's windows in the queue (a job id), so they can be withdrawn. */
  key: string;
  /** Whisper's previous-text prompt for every window of the file; Parakeet ignores it. */
  prompt?: string;
  /** The spoken language and the language to write (settled against the model already). */
  languages?: LanguageChoice;
  createVadStream?: CreateVadStream;
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
 *
 * The file is decoded twice, never held whole (an hour is 230 MB of samples): a first pass counts its
 * samples and runs VAD over them, a second streams them through the windows, keeping only the window
 * being read.
 */
export async function transcribeFileThroughQueue(
  path: string,
  model: { queue: InferenceQueue; sampleRate: number },
  { key, prompt, languages, createVadStream, signal, onProgress, onWords }: FileTranscriptionOptions,
): Promise<FileTranscript> {
  const { totalSamples, speech } = await surveyFile(path, createVadStream?.(), signal);
  const durationSeconds = totalSamples / model.sampleRate;
  signal?.throwIfAborted();
  onProgress?.(0, durationSeconds);
  const samples = new ForwardSampleReader(totalSamples, streamAudioFile(path));

  const withdraw = () => model.queue.withdraw(key);
  signal?.addEventListener('abort', withdraw, { once: true });
  try {
    const recognition = await transcribeWindows(
      async ([window]) => {
        const outcome = await model.queue.submit({
          key,
          kind: 'batch',
          samples: window as Float32Array,
          ...(prompt !== undefined ? { prompt } : {}),
          ...languages,
          // Windows lie inside the stretches of speech the detector found.
          ...(speech ? { voiced: true } : {}),
        });
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
    await samples.close();
  }
}

/** The first pass over a file: how many samples it has, and where VAD hears speech in them. */
async function surveyFile(
  path: string,
  vad: FrameClassifier | undefined,
  signal: AbortSignal | undefined,
): Promise<{ totalSamples: number; speech?: SpeechSegment[] }> {
  const probabilities: Float32Array[] = [];
  let totalSamples = 0;
  for await (const piece of streamAudioFile(path)) {
    signal?.throwIfAborted();
    totalSamples += piece.length;
    if (vad) probabilities.push(await vad.accept(piece));
  }
  if (!vad) return { totalSamples };
  probabilities.push(await vad.flush());
  return { totalSamples, speech: segmentsFromProbabilities(joinSamples(probabilities), totalSamples) };
}
