import { performance } from 'node:perf_hooks';
import type { LanguageUse, SessionTransport, StatusModel, StatusResponse } from '@earshot/shared';
import type { Recognizer } from '../../engine/types';
import { backpressureLevel } from './backpressure';
import { adapterOf, adapterWithMemory, placementOf } from './gpu-report';
import type { ServedModel } from './loaded-models';

export type StatusConfig = StatusResponse['config'];

export interface ServerStatusOptions {
  version: string;
  config: StatusConfig;
  models(): ServedModel[];
  /** What a recording naming no model gets: its final model and interim model (null: none). */
  defaults(): StatusResponse['defaults'];
  /** When (`performance.now()`) a recording last gave up audio under lag, or null. */
  lastWindowCutAt(): number | null;
}

/** What GET /status reports, gathered from the models' queues and the transports' session counts. */
export class ServerStatus {
  private readonly startedAt = performance.now();
  private readonly transports = new Map<
    SessionTransport,
    { count: () => number; languages: () => readonly SessionLanguages[] }
  >();

  constructor(private readonly options: ServerStatusOptions) {}

  /** A transport says how to count its open sessions, and what languages they chose. */
  countSessions(
    transport: SessionTransport,
    count: () => number,
    languages: () => readonly SessionLanguages[] = () => [],
  ): void {
    this.transports.set(transport, { count, languages });
  }

  /** Open recordings by the languages they chose. */
  sessionsByLanguage(): LanguageUse[] {
    const uses = new Map<string, LanguageUse>();
    for (const session of [...this.transports.values()].flatMap((transport) => transport.languages())) {
      const use = {
        language: session.language ?? null,
        target_language: session.targetLanguage ?? null,
        dual: session.dual,
      };
      const key = JSON.stringify(use);
      const known = uses.get(key);
      if (known) known.sessions += 1;
      else uses.set(key, { ...use, sessions: 1 });
    }
    return [...uses.values()];
  }

  sessionsByTransport(): Record<SessionTransport, number> {
    return {
      http: this.transports.get('http')?.count() ?? 0,
      websocket: this.transports.get('websocket')?.count() ?? 0,
    };
  }

  /** The report with each GPU adapter's memory in use read now (which may ask nvidia-smi). */
  async reportWithGpuMemory(now = performance.now()): Promise<StatusResponse> {
    const report = this.report(now);
    const served = this.options.models();
    await Promise.all(
      report.models.map(async (model, i) => {
        const recognizer = served[i]?.recognizer;
        if (recognizer && model.adapter) model.adapter = await adapterWithMemory(recognizer);
      }),
    );
    return report;
  }

  report(now = performance.now()): StatusResponse {
    const models = this.options.models();
    const byTransport = this.sessionsByTransport();
    return {
      version: this.options.version,
      uptime_seconds: round((now - this.startedAt) / 1000),
      backpressure: backpressureLevel(
        models.map((m) => m.queue),
        this.options.lastWindowCutAt(),
        now,
      ),
      models: models.map((model, index) => describeModel(model, index === 0, now)),
      defaults: this.options.defaults(),
      sessions: {
        total: Object.values(byTransport).reduce((sum, n) => sum + n, 0),
        by_transport: byTransport,
        by_language: this.sessionsByLanguage(),
      },
      config: this.options.config,
    };
  }
}

function describeModel({ id, recognizer, queue, readiness }: ServedModel, isDefault: boolean, now: number) {
  const minute = queue.activity.summary(now);
  const speed = queue.secondsPerAudioSecond;
  const model: StatusModel = {
    id,
    default: isDefault,
    device: recognizer.device,
    providers: [...recognizer.providers],
    adapter: adapterOf(recognizer),
    placement: placementOf(recognizer),
    languages: languagesOf(recognizer),
    ready: readiness.ready,
    queue: {
      waiting: queue.depthByKind,
      decoding: queue.decoding,
      max_batch: queue.options.maxBatch,
      max_wait_seconds: queue.options.maxWaitSeconds,
      seconds_per_audio_second: speed === null ? null : round(speed),
      last_minute: {
        batches: minute.batches,
        windows: minute.windows,
        mean_batch_size: minute.meanBatchSize === null ? null : round(minute.meanBatchSize),
        max_batch_size: minute.maxBatchSize,
        audio_seconds: round(minute.audioSeconds),
        inference_seconds: round(minute.inferenceSeconds),
        real_time_factor: minute.realTimeFactor === null ? null : round(minute.realTimeFactor),
        interims_dropped: minute.interimsDropped,
        interims_superseded: minute.interimsSuperseded,
      },
    },
  };
  if (!readiness.ready) model.not_ready_reason = readiness.reason;
  return model;
}

/** The languages one open recording chose (undefined: the model's default or its detection). */
export interface SessionLanguages {
  language?: string;
  targetLanguage?: string;
  dual: boolean;
}

function languagesOf(recognizer: Recognizer): StatusModel['languages'] {
  const support = recognizer.languages;
  if (!support) return null;
  return {
    spoken: [...support.languages],
    detects: support.detects,
    translates: Object.fromEntries(Object.entries(support.translation).map(([from, to]) => [from, [...to]])),
    default_language: support.defaultLanguage ?? null,
    default_target_language: support.defaultTarget ?? null,
    word_times: recognizer.wordTiming ?? 'measured',
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
