/** Waits for GET /ready: Earshot answers it once its model is warmed up; a server without the route counts as ready. */
export async function untilReady(baseUrl: string): Promise<void> {
  for (let tries = 0; tries < 1200; tries++) {
    const response = await fetch(new URL('/ready', baseUrl));
    if (response.ok || response.status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${baseUrl} did not become ready within 120 s`);
}
