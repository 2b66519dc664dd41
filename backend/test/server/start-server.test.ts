import { HealthResponseSchema } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/start';

describe('startServer', () => {
  it('loads the model, listens on loopback and stops cleanly', async () => {
    const server = await startServer({ models: ['tiny-en'], device: 'cpu', host: '127.0.0.1', port: 0 });
    let closed = false;
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(200);
      const health = HealthResponseSchema.parse(await response.json());
      expect(health).toMatchObject({ model: 'tiny-en', device: 'cpu', sessions: 0 });
      await server.close();
      closed = true;
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    } finally {
      if (!closed) await server.close();
    }
  });

  it('fails with a clear error for a model it does not know', async () => {
    await expect(
      startServer({ models: ['no-such-model'], device: 'cpu', host: '127.0.0.1', port: 0 }),
    ).rejects.toThrow(/no-such-model/);
  });
});
