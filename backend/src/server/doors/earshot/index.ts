import type { FastifyPluginAsync } from 'fastify';
import asrStreamRoute from './asr-stream';
import healthRoute from './health';
import metricsRoute from './metrics';
import readyRoute from './ready';
import statusRoute from './status';
import usageRoute from './usage';

/**
 * Earshot's own routes: the extension's live captions (`POST /asr/stream`, the ISweep backend's
 * protocol), the probes and load figures, and each key's usage.
 */
const earshotDoors: FastifyPluginAsync<{ version: string }> = async (app, { version }) => {
  await app.register(healthRoute, { version });
  await app.register(readyRoute);
  await app.register(metricsRoute);
  await app.register(statusRoute);
  await app.register(asrStreamRoute);
  await app.register(usageRoute);
};

export default earshotDoors;
