import {
  type BackpressureLevel,
  type HealthResponse,
  HealthResponseSchema,
  type StatusModel,
  type StatusResponse,
  StatusResponseSchema,
} from '@earshot/shared';
import { authHeaders } from './backend-auth';

export type BackendHealth =
  | { reachable: true; text: string; health: HealthResponse }
  | { reachable: false; text: string };

/**
 * GET /status, with the model captions use (the default one); undefined from a backend without it
 * (or none at all).
 */
export async function backendStatus(
  backendUrl: string,
  apiKey?: string,
): Promise<{ status: StatusResponse; model: StatusModel | undefined } | undefined> {
  try {
    const response = await fetch(new URL('/status', backendUrl), {
      headers: authHeaders(apiKey),
      signal: AbortSignal.timeout(3000),
    });
    const status = StatusResponseSchema.parse(await response.json());
    return { status, model: status.models.find((m) => m.default) ?? status.models[0] };
  } catch {
    return undefined;
  }
}

/** How the backend copes with its load (GET /status); undefined from a backend without it. */
export async function backendLoad(
  backendUrl: string,
  apiKey?: string,
): Promise<{ backpressure: BackpressureLevel; realTimeFactor: number | null } | undefined> {
  const found = await backendStatus(backendUrl, apiKey);
  if (!found) return undefined;
  return {
    backpressure: found.status.backpressure,
    realTimeFactor: found.model?.queue.last_minute.real_time_factor ?? null,
  };
}

/** One line for the user about the backend at `backendUrl`: what it runs, or that it is not there. */
export async function describeBackend(backendUrl: string, apiKey?: string): Promise<BackendHealth> {
  try {
    const response = await fetch(new URL('/health', backendUrl), {
      headers: authHeaders(apiKey),
      signal: AbortSignal.timeout(3000),
    });
    const health = HealthResponseSchema.parse(await response.json());
    return {
      reachable: true,
      text: `Running at ${backendUrl}: model ${health.model} on ${health.device}.`,
      health,
    };
  } catch {
    return {
      reachable: false,
      text: `Not reachable at ${backendUrl}. Start it with \`pnpm earshot serve\`.`,
    };
  }
}
