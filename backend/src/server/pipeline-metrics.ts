import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SessionObserver } from '../sessions/session-observer';
import type { BatchReport } from '../streaming/inference-queue';
import type { ModelPoolObserver } from './model-pool';

/** Latency buckets (seconds) from a few milliseconds to the point where captions are useless. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/**
 * The service's Prometheus metrics in a registry of their own (so several apps in one process do not
 * collide), fed by the inference queue and the sessions through their observer interfaces.
 */
export class PipelineMetrics implements ModelPoolObserver, SessionObserver {
  readonly registry = new Registry();
  private readonly sessions: Gauge;
  private readonly queueDepth: Gauge;
  private readonly ready: Gauge;
  private readonly batchSize: Histogram;
  private readonly decodeSeconds: Histogram;
  private readonly queueWaitSeconds: Histogram;
  private readonly inferenceSeconds: Histogram;
  private readonly requestSeconds: Histogram<'route'>;
  private readonly realTimeFactor: Histogram;
  private readonly lagSeconds: Histogram;
  private readonly audioSeconds: Counter;
  private readonly skippedAudioSeconds: Counter;
  private readonly behindResponses: Counter;
  private readonly droppedInterims: Counter;
  private readonly supersededInterims: Counter;
  private readonly decoderFailures: Counter<'stage'>;
  private readonly droppedRealtimeDeltas: Counter;
  /** When (`performance.now()`) a session last gave audio up to stay within its lag bound, or null. */
  lastWindowCutAt: number | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 200 });
    this.sessions = new Gauge({ name: 'earshot_sessions', help: 'Open recordings', registers });
    this.queueDepth = new Gauge({
      name: 'earshot_inference_queue_depth',
      help: 'Windows waiting for the recognizer',
      registers,
    });
    this.ready = new Gauge({
      name: 'earshot_ready',
      help: '1 once the default model is loaded and warmed up',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'earshot_inference_batch_size',
      help: 'Windows decoded per recognizer call',
      buckets: [1, 2, 3, 4, 6, 8, 12, 16],
      registers,
    });
    this.decodeSeconds = new Histogram({
      name: 'earshot_chunk_decode_seconds',
      help: 'Time from writing a chunk to ffmpeg until its audio came out',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueWaitSeconds = new Histogram({
      name: 'earshot_inference_queue_wait_seconds',
      help: 'Time a window waited in the inference queue before its batch started',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'earshot_inference_seconds',
      help: 'Time the recognizer took for one batch',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'earshot_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.realTimeFactor = new Histogram({
      name: 'earshot_inference_real_time_factor',
      help: 'Inference seconds per second of audio, per batch',
      buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    });
    this.lagSeconds = new Histogram({
      name: 'earshot_session_lag_seconds',
      help: 'Audio received but not yet recognized, at each answered chunk',
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30],
      registers,
    });
    this.audioSeconds = new Counter({
      name: 'earshot_audio_seconds_processed_total',
      help: 'Seconds of audio the recognizer has decoded (windows overlap, so this exceeds audio received)',
      registers,
    });
    this.skippedAudioSeconds = new Counter({
      name: 'earshot_audio_skipped_seconds_total',
      help: 'Seconds of audio given up unrecognized because a session fell too far behind',
      registers,
    });
    this.behindResponses = new Counter({
      name: 'earshot_responses_behind_total',
      help: 'Chunks answered before their audio could be recognized',
      registers,
    });
    this.droppedInterims = new Counter({
      name: 'earshot_interims_dropped_total',
      help: 'Interim recognitions dropped because the queue was too far behind',
      registers,
    });
    this.supersededInterims = new Counter({
      name: 'earshot_interims_superseded_total',
      help: 'Waiting interim recognitions replaced by a newer one of the same session',
      registers,
    });
    this.decoderFailures = new Counter({
      name: 'earshot_decoder_failures_total',
      help: 'Failures by stage: audio (ffmpeg could not decode a recording) or recognizer (a window failed)',
      labelNames: ['stage'],
      registers,
    });
    this.droppedRealtimeDeltas = new Counter({
      name: 'earshot_realtime_deltas_dropped_total',
      help: 'Transcription deltas not sent to a realtime client that was not reading fast enough',
      registers,
    });
    this.decoderFailures.inc({ stage: 'audio' }, 0);
    this.decoderFailures.inc({ stage: 'recognizer' }, 0);
  }

  readyChanged(ready: boolean): void {
    this.ready.set(ready ? 1 : 0);
  }

  requestAnswered(route: string, seconds: number): void {
    this.requestSeconds.observe({ route }, seconds);
  }

  batchDecoded(batch: BatchReport): void {
    this.batchSize.observe(batch.size);
    this.inferenceSeconds.observe(batch.inferenceSeconds);
    this.audioSeconds.inc(batch.audioSeconds);
    if (batch.audioSeconds > 0) this.realTimeFactor.observe(batch.inferenceSeconds / batch.audioSeconds);
    for (const wait of batch.waitSeconds) this.queueWaitSeconds.observe(wait);
  }

  depthChanged(depth: number): void {
    this.queueDepth.set(depth);
  }

  interimDropped(): void {
    this.droppedInterims.inc();
  }

  interimSuperseded(): void {
    this.supersededInterims.inc();
  }

  recognitionFailed(requests: number): void {
    this.decoderFailures.inc({ stage: 'recognizer' }, requests);
  }

  sessionsChanged(count: number): void {
    this.sessions.set(count);
  }

  chunkDecoded(seconds: number): void {
    this.decodeSeconds.observe(seconds);
  }

  realtimeDeltaDropped(): void {
    this.droppedRealtimeDeltas.inc();
  }

  audioDecoderFailed(): void {
    this.decoderFailures.inc({ stage: 'audio' });
  }

  audioSkipped(seconds: number): void {
    this.lastWindowCutAt = performance.now();
    this.skippedAudioSeconds.inc(seconds);
  }

  answered({ behind, lagSeconds }: { behind: boolean; lagSeconds: number }): void {
    if (behind) this.behindResponses.inc();
    this.lagSeconds.observe(lagSeconds);
  }
}
