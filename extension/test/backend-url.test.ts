import { describe, expect, it } from 'vitest';
import { parseBackendUrl } from '../lib/backend-url';

describe('parseBackendUrl', () => {
  it('accepts an http origin and normalises it', () => {
    expect(parseBackendUrl(' http://localhost:8001/ ')).toEqual({ ok: true, url: 'http://localhost:8001' });
    expect(parseBackendUrl('https://asr.example:9000')).toEqual({
      ok: true,
      url: 'https://asr.example:9000',
    });
  });

  it('explains in one line what is wrong', () => {
    for (const input of ['127.0.0.1:8001', 'ftp://127.0.0.1:8001', 'http://127.0.0.1:8001/asr', 'nonsense']) {
      const result = parseBackendUrl(input);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toMatch(/http:\/\/127\.0\.0\.1:8001/);
        expect(result.error).not.toContain('\n');
      }
    }
  });
});
