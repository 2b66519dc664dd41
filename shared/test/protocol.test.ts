import { describe, expect, it } from 'vitest';
import { AsrStreamRequestSchema, AsrStreamResponseSchema, CaptureCommandSchema } from '../src';

const chunk = {
  user_id: 'u1',
  tab_id: 12,
  seq: 0,
  mime_type: 'audio/webm;codecs=opus',
  audio_b64: 'GkXfo59ChoEBQveBAULygQRC84EIQoKEd2VibUKHgQRChYECGFOAZwH/////////',
};

describe('POST /asr/stream request', () => {
  it('accepts the established request without the new fields', () => {
    expect(AsrStreamRequestSchema.parse(chunk)).toEqual(chunk);
  });

  it('accepts recording_id, captured_at_ms and final', () => {
    const r = AsrStreamRequestSchema.parse({
      ...chunk,
      recording_id: 'r-1',
      captured_at_ms: 1_700_000_000_000,
      final: true,
    });
    expect(r.recording_id).toBe('r-1');
    expect(r.final).toBe(true);
  });

  it.each([
    ['negative seq', { seq: -1 }, 'seq'],
    ['fractional tab id', { tab_id: 1.5 }, 'tab_id'],
    ['empty user', { user_id: '' }, 'user_id'],
    ['non-base64 audio', { audio_b64: 'not base64!' }, 'audio_b64'],
  ])('rejects %s and names the field', (_name, patch, field) => {
    const r = AsrStreamRequestSchema.safeParse({ ...chunk, ...patch });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual([field]);
  });

  it('rejects a missing audio payload', () => {
    const { audio_b64: _omit, ...rest } = chunk;
    expect(AsrStreamRequestSchema.safeParse(rest).success).toBe(false);
  });
});

describe('POST /asr/stream response', () => {
  it('carries timed segments with word timings', () => {
    const body = {
      segments: [
        {
          id: 'r-1-0',
          text: 'hello world',
          start_seconds: 0.4,
          end_seconds: 1.2,
          confidence: 0.9,
          final: true,
          words: [
            { word: 'hello', start_seconds: 0.4, end_seconds: 0.7, confidence: 0.95 },
            { word: 'world', start_seconds: 0.8, end_seconds: 1.2, confidence: 0.85 },
          ],
        },
      ],
    };
    expect(AsrStreamResponseSchema.parse(body)).toEqual(body);
    expect(
      AsrStreamResponseSchema.safeParse({ segments: [{ ...body.segments[0], confidence: 2 }] }).success,
    ).toBe(false);
  });
});

describe('capture command', () => {
  it('is exactly what the popup toggle sends', () => {
    expect(CaptureCommandSchema.parse({ type: 'earshot/capture', action: 'start', tabId: 3 }).action).toBe(
      'start',
    );
    expect(
      CaptureCommandSchema.safeParse({ type: 'earshot/capture', action: 'pause', tabId: 3 }).success,
    ).toBe(false);
  });
});
