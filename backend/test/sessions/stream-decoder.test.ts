import { beforeAll, describe, expect, it } from 'vitest';
import { StreamDecoder } from '../../src/audio/stream-decoder';
import { cutAtArbitraryOffsets, decodeWhole, ONE_SECOND_OF_WEBM, speechWebm } from './webm-fixture';

let webm: Buffer;
let reference: Float32Array;

beforeAll(async () => {
  ({ webm } = await speechWebm('the dog ran to the park to play with a red ball'));
  reference = await decodeWhole(webm);
});

function collectingDecoder() {
  const pieces: Float32Array[] = [];
  const decoder = new StreamDecoder({ format: 'matroska', onPcm: (s) => pieces.push(s) });
  const samples = () => Float32Array.from(pieces.flatMap((p) => Array.from(p)));
  return { decoder, samples };
}

describe('StreamDecoder', () => {
  it('decodes a WebM stream cut at arbitrary byte offsets exactly like the whole file', async () => {
    const { decoder, samples } = collectingDecoder();
    for (const piece of cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM / 3, 7)) decoder.write(piece);
    await decoder.end();
    expect(decoder.error).toBeNull();
    const streamed = samples();
    expect(streamed.length).toBe(reference.length);
    let maxDiff = 0;
    for (let i = 0; i < streamed.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((streamed[i] ?? 0) - (reference[i] ?? 0)));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('hands out the audio of each chunk while the stream is still open', async () => {
    const { decoder } = collectingDecoder();
    const pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 3);
    const decodedAfter: number[] = [];
    for (const piece of pieces.slice(0, 3)) {
      decoder.write(piece);
      await decoder.settle({ quietMs: 30, maxWaitMs: 2_000 });
      decodedAfter.push(decoder.decodedSeconds);
    }
    decoder.kill();
    // Roughly one second of audio per one-second chunk, without waiting for the end of the stream.
    expect(decodedAfter[0]).toBeGreaterThan(0.3);
    expect(decodedAfter[2]).toBeGreaterThan((decodedAfter[0] ?? 0) + 1);
    expect(decoder.error).toBeNull();
  });

  it('reports bytes that are not WebM as an error and stops', async () => {
    const { decoder } = collectingDecoder();
    decoder.write(Buffer.from('this is certainly not a webm file, just some text '.repeat(50)));
    await decoder.end();
    expect(decoder.running).toBe(false);
    expect(decoder.error?.message).toMatch(/could not decode/);
    expect(decoder.decodedSeconds).toBe(0);
  });

  it('is not reported as failed after being killed on purpose', async () => {
    const { decoder } = collectingDecoder();
    decoder.write(webm.subarray(0, 2_000));
    decoder.kill();
    await decoder.end();
    expect(decoder.running).toBe(false);
    expect(decoder.error).toBeNull();
  });
});
