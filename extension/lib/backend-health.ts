import { HealthResponseSchema } from '@earshot/shared';

/** One line for the user about the backend at `backendUrl`: what it runs, or that it is not there. */
export async function describeBackend(backendUrl: string): Promise<{ reachable: boolean; text: string }> {
  try {
    const response = await fetch(new URL('/health', backendUrl), { signal: AbortSignal.timeout(3000) });
    const health = HealthResponseSchema.parse(await response.json());
    return { reachable: true, text: `Running at ${backendUrl}: model ${health.model} on ${health.device}.` };
  } catch {
    return {
      reachable: false,
      text: `Not reachable at ${backendUrl}. Start it with \`pnpm earshot serve\`.`,
    };
  }
}
