import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_SESSION_OPTIONS } from '../sessions/session-manager';

/**
 * What a live stream opened through a WebSocket door takes from the server, whichever door: the
 * pipeline's metrics, the caller's usage, and the same recording limits as `POST /asr/stream`.
 */
export function liveStreamOptions(app: FastifyInstance, request: FastifyRequest) {
  return {
    observer: app.metrics,
    audioTranscribed: (seconds: number) => app.usage.liveAudio(request, seconds),
    bufferSeconds: DEFAULT_SESSION_OPTIONS.bufferSeconds,
    maxLagSeconds: DEFAULT_SESSION_OPTIONS.maxLagSeconds,
    maxPendingFinalSeconds: DEFAULT_SESSION_OPTIONS.maxPendingFinalSeconds,
    maxFinalBacklogSeconds: DEFAULT_SESSION_OPTIONS.maxFinalBacklogSeconds,
  };
}
