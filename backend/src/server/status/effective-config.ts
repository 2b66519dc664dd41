import { DEFAULT_SESSION_OPTIONS } from '../../sessions/session-manager';
import type { ServerConfig } from '../config';
import type { StatusConfig } from './server-status';

/** The configuration the server runs with, as GET /status shows it. */
export function effectiveConfig(
  settings: ServerConfig,
  {
    voiceActivityDetection,
    tls,
    trustedProxies,
  }: { voiceActivityDetection: boolean; tls: boolean; trustedProxies: readonly string[] | undefined },
): StatusConfig {
  return {
    host: settings.host ?? null,
    port: settings.port ?? null,
    every_n_chunks: settings.everyNChunks,
    idle_timeout_ms: settings.idleTimeoutMs,
    max_sessions: settings.maxSessions,
    body_limit_bytes: settings.bodyLimit,
    allowed_origins: settings.allowedOrigins ?? null,
    allowed_hosts: settings.allowedHosts ?? null,
    tls,
    trusted_proxies: trustedProxies ? [...trustedProxies] : null,
    voice_activity_detection: voiceActivityDetection,
    max_lag_seconds: DEFAULT_SESSION_OPTIONS.maxLagSeconds,
    buffer_seconds: DEFAULT_SESSION_OPTIONS.bufferSeconds,
    max_waiting_chunks: DEFAULT_SESSION_OPTIONS.maxWaitingChunks,
    max_pending_final_seconds: DEFAULT_SESSION_OPTIONS.maxPendingFinalSeconds,
    max_final_backlog_seconds: DEFAULT_SESSION_OPTIONS.maxFinalBacklogSeconds,
  };
}
