import type { FastifyPluginAsync } from 'fastify';
import { acceptUploads } from '../../audio-upload';
import audioRoutes from './audio';
import jobsRoutes from './jobs';
import modelsRoutes from './models';
import realtimeRoute from './realtime';

/**
 * OpenAI's API under /v1, so the official clients and tools built on them work with `baseURL` pointed
 * here: audio transcriptions and translations, models, the Realtime WebSocket, and Earshot's
 * asynchronous jobs beside them.
 */
const openAiDoors: FastifyPluginAsync = async (app) => {
  await app.register(async (uploads) => {
    await acceptUploads(uploads);
    await uploads.register(audioRoutes, { prefix: '/v1' });
    await uploads.register(jobsRoutes, { prefix: '/v1' });
  });
  await app.register(modelsRoutes);
  await app.register(realtimeRoute);
};

export default openAiDoors;
