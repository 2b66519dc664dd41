import { execFileSync } from 'node:child_process';
import { joinSamples } from '../../src/audio/join-samples';

export const SAMPLE_RATE = 16000;

/** Speaks `text` with espeak-ng and returns it as 16 kHz mono float samples (via real ffmpeg). */
export function speak(text: string, options: { voice?: string; wordsPerMinute?: number } = {}): Float32Array {
  const raw = spokenBytes(text, { ...options, rate: SAMPLE_RATE, sampleFormat: 'f32le' });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice();
}

/** Speaks `text` with espeak-ng as 16-bit little-endian mono PCM at `rate` (resampled by real ffmpeg). */
export function speakPcm16(text: string, rate: number): Buffer {
  return spokenBytes(text, { rate, sampleFormat: 's16le' });
}

function spokenBytes(
  text: string,
  {
    voice = 'en-us',
    wordsPerMinute = 150,
    rate,
    sampleFormat,
  }: { voice?: string; wordsPerMinute?: number; rate: number; sampleFormat: 'f32le' | 's16le' },
): Buffer {
  const wav = execFileSync('espeak-ng', ['-v', voice, '-s', String(wordsPerMinute), '--stdout', text], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return execFileSync(
    'ffmpeg',
    [
      ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0'],
      ['-ac', '1', '-ar', String(rate), '-f', sampleFormat, 'pipe:1'],
    ].flat(),
    { input: wav, maxBuffer: 256 * 1024 * 1024 },
  );
}

/** 16-bit mono PCM at `rate` as a WAV file's bytes. */
export function pcm16Wav(pcm: Buffer, rate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export function silence(seconds: number): Float32Array {
  return new Float32Array(Math.round(seconds * SAMPLE_RATE));
}

/** Deterministic white noise at the given peak amplitude. */
export function whiteNoise(seconds: number, amplitude: number, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out[i] = (x / 1073741824 - 1) * amplitude;
  }
  return out;
}

/** The test audio pieces one after another. */
export function concat(...parts: Float32Array[]): Float32Array {
  return joinSamples(parts);
}

/** First and last sample whose magnitude exceeds `floor`, in seconds: where the voice really is. */
export function audibleSpan(samples: Float32Array, floor = 0.01): { start: number; end: number } {
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i] ?? 0) > floor) {
      if (first === -1) first = i;
      last = i;
    }
  }
  return { start: first / SAMPLE_RATE, end: (last + 1) / SAMPLE_RATE };
}

/** A plucked melody over a held chord, made by sox: music without a voice. */
export function music(seconds: number): Float32Array {
  const sox = (effects: string[]) => {
    const raw = execFileSync('sox', [
      '-n',
      ...['-r', String(SAMPLE_RATE), '-c', '1', '-b', '32', '-e', 'floating-point', '-t', 'raw', '-'],
      ...effects,
    ]);
    return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice();
  };
  const notes = ['C4', 'E4', 'G4', 'C5', 'A4', 'F4', 'D4', 'B3'];
  const melody = concat(
    ...Array.from({ length: Math.ceil(seconds / 0.25) }, (_x, i) =>
      sox(['synth', '0.25', 'pluck', notes[i % notes.length] as string, 'vol', '0.5']),
    ),
  );
  const chord = sox(['synth', String(seconds), 'sine', '131', 'sine', '165', 'sine', '196', 'vol', '0.2']);
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (let i = 0; i < out.length; i++) out[i] = (melody[i] ?? 0) + (chord[i] ?? 0);
  return out;
}
