import { decodeAudioFile } from '../src/audio/file-decoder';
import { loadModelRecognizer, type Recognizer, SileroVad } from '../src/engine';
import { transcribeFileThroughQueue } from '../src/files/file-transcription';
import { resolveModel, resolveVadModel } from '../src/models';
import { RecordingPipeline } from '../src/sessions/recording-pipeline';
import { InferenceQueue } from '../src/streaming/inference-queue';
import { SpeechActivity } from '../src/streaming/speech-activity';
import { wordErrorRate, words } from '../src/transcript/word-errors';

/** CPU seconds per second of audio, by part of the live path. */
export type PartCosts = Record<string, number>;

/** A recording to stream: its WebM file and what was said in it. */
export interface SpokenRecording {
  file: string;
  text: string;
}

export interface RecognitionPass {
  parts: PartCosts;
  /** Spoken words over all recordings, and the word error rates against them. */
  words: number;
  streamedWer: number;
  fileWer: number;
}

const RATE = 16_000;
const CHUNK_SECONDS = 0.25;

/**
 * The recognition half of the live path, one recording at a time and nothing else running: the
 * same pipeline, policy, queue and models as the server, fed each recording's decoded audio in
 * 250 ms pieces and stepped as a session steps it, and the same recording as a file through the
 * file path. Every part is measured alone: the detector and each model by their own CPU accounting,
 * the policy and pipeline as what is left of the streaming (the server's HTTP, JSON and ffmpeg
 * costs are what its live run costs beyond this); and the streamed finals' word error rate beside
 * the file's, over more audio than a live run streams.
 */
export async function recognitionPass(
  recordings: readonly SpokenRecording[],
  models: { final: string; fast?: string },
  device: string,
): Promise<RecognitionPass> {
  const load = async (id: string) =>
    loadModelRecognizer(await resolveModel(id, { allowDownload: false }), device);
  const final = await load(models.final);
  const fast = models.fast ? await load(models.fast) : null;
  const recognizers = [final, ...(fast ? [fast] : [])];
  const vad = await SileroVad.load(await resolveVadModel({ allowDownload: false }));
  const finalQueue = new InferenceQueue(final);
  const fastQueue = fast ? new InferenceQueue(fast) : null;
  try {
    let streamedEdits = 0;
    let fileEdits = 0;
    let spoken = 0;
    let audioSeconds = 0;
    let streamingCpu = 0;
    const spent: PartCosts = {};
    for (const [n, recording] of recordings.entries()) {
      const samples = await decodeAudioFile(recording.file);
      const before = snapshot(recognizers, vad);
      const cpuBefore = process.cpuUsage();
      const streamed = await stream(samples, `pass-${n}`, { final, fast, finalQueue, fastQueue, vad });
      const cpu = process.cpuUsage(cpuBefore);
      streamingCpu += (cpu.user + cpu.system) / 1e6;
      for (const [part, seconds] of Object.entries(snapshot(recognizers, vad)))
        spent[part] = (spent[part] ?? 0) + seconds - (before[part] ?? 0);
      audioSeconds += samples.length / RATE;
      const file = await transcribeFileThroughQueue(
        recording.file,
        { queue: finalQueue, sampleRate: final.sampleRate },
        { key: `file-${n}`, createVadStream: () => vad.createStream() },
      );
      const count = words(recording.text).length;
      spoken += count;
      streamedEdits += wordErrorRate(recording.text, streamed) * count;
      fileEdits += wordErrorRate(recording.text, file.recognition.text) * count;
    }
    const parts: PartCosts = Object.fromEntries(
      Object.entries(spent).map(([part, seconds]) => [part, seconds / audioSeconds]),
    );
    const accounted = Object.values(parts).reduce((sum, s) => sum + s, 0);
    parts['streaming policy, pipeline and queue'] = streamingCpu / audioSeconds - accounted;
    return { parts, words: spoken, streamedWer: streamedEdits / spoken, fileWer: fileEdits / spoken };
  } finally {
    await Promise.all([finalQueue.close(), fastQueue?.close()]);
    await Promise.all([final.release(), fast?.release(), vad.release()]);
  }
}

interface Models {
  final: Recognizer;
  fast: Recognizer | null;
  finalQueue: InferenceQueue;
  fastQueue: InferenceQueue | null;
  vad: SileroVad;
}

/** Streams one recording through a fresh pipeline as a session does; returns its finals' text. */
async function stream(samples: Float32Array, key: string, models: Models): Promise<string> {
  const { final, fast, finalQueue, fastQueue, vad } = models;
  const interims = fast ?? final;
  const pipeline = new RecordingPipeline({
    key,
    recordingId: key,
    infer: (window) => (fastQueue ?? finalQueue).submit(window),
    ...(interims.chunking ? { chunking: interims.chunking } : {}),
    bufferSeconds: 60,
    maxLagSeconds: 2,
    observer: {},
    createSpeechActivity: () => new SpeechActivity(vad.createStream()),
    ...(fastQueue ? { quality: { infer: (window) => finalQueue.submit(window), maxPendingSeconds: 6 } } : {}),
  });
  const finals: string[] = [];
  const piece = CHUNK_SECONDS * RATE;
  for (let at = 0; at < samples.length; at += piece) {
    pipeline.append(samples.subarray(at, at + piece));
    // The detector classifies a piece before the next one comes, as it does between two chunks.
    await new Promise((resolve) => setImmediate(resolve));
    await pipeline.recognize();
    finals.push(...pipeline.take().finals.map((s) => s.text));
  }
  await pipeline.finish();
  finals.push(...pipeline.take().finals.map((s) => s.text));
  return finals.join(' ');
}

const PART_NAMES: Record<string, string> = {
  features: 'mel features',
  encoder: 'encoder',
  decoding: 'decoding loop',
};

/** CPU seconds each part has spent so far, named for the profile. */
function snapshot(recognizers: readonly Recognizer[], vad: SileroVad): PartCosts {
  const parts: PartCosts = { 'speech detector (Silero VAD)': vad.cpuSeconds() };
  for (const recognizer of recognizers) {
    for (const [part, seconds] of Object.entries(recognizer.cpuSeconds?.() ?? {}))
      parts[`${name(recognizer)}: ${PART_NAMES[part] ?? part}`] = seconds;
  }
  return parts;
}

function name(recognizer: Recognizer): string {
  const id = recognizer.modelId;
  if (id.endsWith('parakeet-twin-int8')) return '0.6B twin';
  if (id.endsWith('tiny-whisper')) return 'tiny random Whisper';
  return id.split('/').at(-1) ?? id;
}
