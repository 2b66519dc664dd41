import {
  type BackpressureLevel,
  type HealthResponse,
  HealthResponseSchema,
  StatusResponseSchema,
} from '@earshot/shared';
import { authHeaders } from './backend-auth';

export type BackendHealth =
  | { reachable: true; text: string; health: HealthResponse }
  | { reachable: false; text: string };

/** How the backend copes with its load (GET /status); undefined from a backend without it. */
export async function backendLoad(
  backendUrl: string,
  apiKey?: string,
): Promise<{ backpressure: BackpressureLevel; realTimeFactor: number | null } | undefined> {
  try {
    const response = await fetch(new URL('/status', backendUrl), {
      headers: authHeaders(apiKey),
      signal: AbortSignal.timeout(3000),
    });
    const status = StatusResponseSchema.parse(await response.json());
    const model = status.models.find((m) => m.default) ?? status.models[0];
    return {
      backpressure: status.backpressure,
      realTimeFactor: model?.queue.last_minute.real_time_factor ?? null,
    };
  } catch {
    return undefined;
  }
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
