import { RECORDING_ROUTING } from '@earshot/shared';
import cors from '@fastify/cors';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { originPolicy } from './origin-policy';

/** CORS headers for allowed extension origins only; web pages get none. */
const corsPlugin: FastifyPluginAsync<{ allowedOrigins?: string[] }> = async (app, options) => {
  const allowed = originPolicy(options.allowedOrigins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    methods: ['GET', 'POST'],
    // The extension sends its API key when one is set, and each recording's id for load balancers.
    allowedHeaders: ['Content-Type', 'Authorization', RECORDING_ROUTING.header],
    maxAge: 600,
  });
};

export default fp(corsPlugin, { name: 'cors' });
