import { DEFAULT_SESSION_OPTIONS } from '../sessions/session-manager';

/** Largest WebSocket frame any door accepts: about 45 s of 24 kHz PCM16 in base64. */
export const MAX_WEBSOCKET_FRAME_BYTES = 3 * 1024 * 1024;

export interface ServerConfig {
  /** Address the server listens on; a specific non-loopback address is accepted as a Host name too. */
  host?: string;
  /** Port the server listens on; names the default allowed Host values before the listener is up. */
  port?: number;
  /** Run the recognizer after this many new chunks of a recording. */
  everyNChunks: number;
  /**
   * Extension ids or `chrome-extension://<id>` origins allowed to call the server; undefined allows any
   * chrome-extension origin. Web page origins are never allowed.
   */
  allowedOrigins?: string[];
  /**
   * Exact Host header values accepted; undefined means 127.0.0.1, localhost and [::1] (and the listen
   * address when it is a specific one) on the port.
   */
  allowedHosts?: string[];
  idleTimeoutMs: number;
  maxSessions: number;
  /** Largest request body in bytes (a chunk is base64 of at most a few MiB). */
  bodyLimit: number;
  /** Largest audio file accepted by /v1/audio (it is streamed to a temporary file, not held in memory). */
  maxUploadBytes: number;
  /** Asynchronous jobs waiting or running at most (POST /v1/audio/jobs answers 429 beyond). */
  maxPendingJobs: number;
  /** Seconds a finished job's result is kept before it is removed. */
  keepJobSeconds: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  everyNChunks: DEFAULT_SESSION_OPTIONS.everyNChunks,
  idleTimeoutMs: DEFAULT_SESSION_OPTIONS.idleTimeoutMs,
  maxSessions: DEFAULT_SESSION_OPTIONS.maxSessions,
  bodyLimit: 6 * 1024 * 1024,
  maxUploadBytes: 1024 * 1024 * 1024,
  maxPendingJobs: 16,
  keepJobSeconds: 3600,
};
