import { type HealthResponse, HealthResponseSchema } from '@earshot/shared';
import { authHeaders } from './backend-auth';

export type BackendHealth =
  | { reachable: true; text: string; health: HealthResponse }
  | { reachable: false; text: string };

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
