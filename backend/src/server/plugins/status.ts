import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { QueueActivitySummary } from '../../streaming/queue-activity';
import { BACKPRESSURE_GAUGE_VALUE } from '../status/backpressure';
import { servedModels } from '../status/loaded-models';
import { ServerStatus, type StatusConfig } from '../status/server-status';

declare module 'fastify' {
  interface FastifyInstance {
    status: ServerStatus;
  }
}

export interface StatusPluginOptions {
  version: string;
  config: StatusConfig;
}

/**
 * The server's status (GET /status reads it) and the matching Prometheus gauges, computed when
 * /metrics is scraped. Transports register how to count their sessions; HTTP recordings count here.
 */
const statusPlugin: FastifyPluginAsync<StatusPluginOptions> = async (app, options) => {
  const status = new ServerStatus({
    version: options.version,
    config: options.config,
    models: () => servedModels(app),
    defaults: () => ({
      model: app.models.default.id,
      interim_model: app.models.defaultInterim?.id ?? null,
    }),
    lastWindowCutAt: () => app.metrics.lastWindowCutAt,
  });
  status.countSessions(
    'http',
    () => app.sessions.count,
    () => app.sessions.languagesChosen(),
  );
  status.countSessions(
    'websocket',
    () => app.realtimeSessions.count,
    () => app.realtimeSessions.languagesChosen(),
  );
  app.decorate('status', status);

  const registers = [app.metrics.registry];
  new Gauge({
    name: 'earshot_backpressure_level',
    help: 'How the server copes with load: 0 normal, 1 shedding interims, 2 cutting windows',
    registers,
    collect() {
      this.set(BACKPRESSURE_GAUGE_VALUE[status.report().backpressure]);
    },
  });
  new Gauge({
    name: 'earshot_sessions_by_transport',
    help: 'Open recordings by transport',
    labelNames: ['transport'],
    registers,
    collect() {
      for (const [transport, count] of Object.entries(status.sessionsByTransport())) {
        this.set({ transport }, count);
      }
    },
  });
  new Gauge({
    name: 'earshot_inference_queue_waiting',
    help: 'Windows waiting for the recognizer, by model and priority',
    labelNames: ['model', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const model of servedModels(app)) {
        for (const [kind, waiting] of Object.entries(model.queue.depthByKind)) {
          this.set({ model: model.id, kind }, waiting);
        }
      }
    },
  });
  const lastMinuteGauge = (name: string, help: string, figure: (m: QueueActivitySummary) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const model of servedModels(app)) {
          this.set({ model: model.id }, figure(model.queue.activity.summary()) ?? 0);
        }
      },
    });
  lastMinuteGauge(
    'earshot_inference_batch_size_last_minute',
    'Mean windows per recognizer call over the last minute, by model (0 without batches)',
    (m) => m.meanBatchSize,
  );
  lastMinuteGauge(
    'earshot_inference_real_time_factor_last_minute',
    'Engine seconds per second of audio over the last minute, by model (0 without batches)',
    (m) => m.realTimeFactor,
  );
};

export default fp(statusPlugin, {
  name: 'status',
  dependencies: ['metrics', 'models', 'sessions', 'realtime-sessions'],
});
