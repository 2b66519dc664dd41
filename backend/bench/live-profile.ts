import { decodeAudioFile } from '../src/audio/file-decoder';
import { loadModelRecognizer, type Recognizer, SileroVad } from '../src/engine';
import { resolveModel, resolveVadModel } from '../src/models';
import { RecordingPipeline } from '../src/sessions/recording-pipeline';
import { InferenceQueue } from '../src/streaming/inference-queue';
import { SpeechActivity } from '../src/streaming/speech-activity';

/** CPU seconds per second of audio, by part of the live path. */
export type PartCosts = Record<string, number>;

const RATE = 16_000;
const CHUNK_SECONDS = 0.25;

/**
 * The recognition half of the live path, one recording at a time and nothing else running: the
 * same pipeline, policy, queue and models as the server, fed the recording's decoded audio in
 * 250 ms pieces and stepped as a session steps it. Every part is then measured alone: the detector
 * and each model by their own CPU accounting, the policy and pipeline as what is left of the pass.
 * (The server's HTTP, JSON and ffmpeg costs are what its live run costs beyond this.)
 */
export async function profileRecognition(
  recording: string,
  models: { final: string; fast?: string },
  device: string,
): Promise<PartCosts> {
  const load = async (id: string) =>
    loadModelRecognizer(await resolveModel(id, { allowDownload: false }), device);
  const final = await load(models.final);
  const fast = models.fast ? await load(models.fast) : null;
  const vad = await SileroVad.load(await resolveVadModel({ allowDownload: false }));
  const queues = [final, ...(fast ? [fast] : [])].map((r) => new InferenceQueue(r));
  const [finalQueue, fastQueue] = queues as [InferenceQueue, InferenceQueue | undefined];
  try {
    const samples = await decodeAudioFile(recording);
    const interims = fast ?? final;
    const pipeline = new RecordingPipeline({
      key: 'profile',
      recordingId: 'profile',
      infer: (window) => (fastQueue ?? finalQueue).submit(window),
      ...(interims.chunking ? { chunking: interims.chunking } : {}),
      bufferSeconds: 60,
      maxLagSeconds: 2,
      observer: {},
      createSpeechActivity: () => new SpeechActivity(vad.createStream()),
      ...(fast ? { quality: { infer: (window) => finalQueue.submit(window), maxPendingSeconds: 6 } } : {}),
    });
    const before = process.cpuUsage();
    const piece = CHUNK_SECONDS * RATE;
    for (let at = 0; at < samples.length; at += piece) {
      pipeline.append(samples.subarray(at, at + piece));
      await new Promise((resolve) => setImmediate(resolve));
      await pipeline.recognize();
      pipeline.take();
    }
    await pipeline.finish();
    pipeline.take();
    const used = process.cpuUsage(before);
    const audioSeconds = samples.length / RATE;
    const costs: PartCosts = { 'speech detector (Silero VAD)': vad.cpuSeconds() / audioSeconds };
    for (const recognizer of [final, ...(fast ? [fast] : [])]) {
      for (const [part, seconds] of Object.entries(recognizer.cpuSeconds?.() ?? {}))
        costs[`${name(recognizer)}: ${PART_NAMES[part] ?? part}`] = seconds / audioSeconds;
    }
    const parts = Object.values(costs).reduce((sum, s) => sum + s, 0);
    costs['streaming policy, pipeline and queue'] = (used.user + used.system) / 1e6 / audioSeconds - parts;
    return costs;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    await Promise.all([final.release(), fast?.release(), vad.release()]);
  }
}

const PART_NAMES: Record<string, string> = {
  features: 'mel features',
  encoder: 'encoder',
  decoding: 'decoding loop',
};

function name(recognizer: Recognizer): string {
  const id = recognizer.modelId;
  return id.endsWith('parakeet-twin-int8') ? '0.6B twin' : (id.split('/').at(-1) ?? id);
}
