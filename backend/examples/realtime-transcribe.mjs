// Streams an audio file to an Earshot server through the official `openai` realtime client and prints
// each turn's transcript as server VAD ends it (docs/realtime.md, "A first try").
//
//   OPENAI_API_KEY=<key> NODE_EXTRA_CA_CERTS=ca.pem \
//     node backend/examples/realtime-transcribe.mjs https://earshot.example.com/v1 talk.mp3
//
// The file may be anything ffmpeg reads; it is sent as 24 kHz PCM16 at real-time speed, as a
// microphone would send it. NODE_EXTRA_CA_CERTS is needed only for a certificate from a private CA.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

const [baseURL, file] = process.argv.slice(2);
if (!baseURL || !file) {
  console.error('usage: node realtime-transcribe.mjs <https://host[:port]/v1> <audio file>');
  process.exit(2);
}
const RATE = 24_000;
const PIECE_MS = 100;

function pcm16(path) {
  const ffmpeg = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      path,
      '-ac',
      '1',
      '-ar',
      String(RATE),
      '-f',
      's16le',
      'pipe:1',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const chunks = [];
  ffmpeg.stdout.on('data', (c) => chunks.push(c));
  return once(ffmpeg, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`ffmpeg could not read ${path}`);
    // One second of silence after the speech lets server VAD end the last turn.
    return Buffer.concat([...chunks, Buffer.alloc(RATE * 2)]);
  });
}

const audio = await pcm16(file);
// The key comes from OPENAI_API_KEY (any value on a server without keys).
const rt = new OpenAIRealtimeWS({ intent: 'transcription' }, new OpenAI({ baseURL }));
let started = 0;
let completed = 0;
rt.on('input_audio_buffer.speech_started', () => started++);
rt.on('conversation.item.input_audio_transcription.completed', (event) => {
  completed++;
  console.log(event.transcript.trim());
});
rt.on('error', (error) => {
  console.error(`earshot realtime: ${error.message}`);
  process.exitCode = 1;
});
await once(rt.socket, 'open');
rt.send({
  type: 'session.update',
  session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: RATE } } } },
});
const pieceBytes = (RATE * 2 * PIECE_MS) / 1000;
for (let at = 0; at < audio.length; at += pieceBytes) {
  rt.send({
    type: 'input_audio_buffer.append',
    audio: audio.subarray(at, at + pieceBytes).toString('base64'),
  });
  await new Promise((resolve) => setTimeout(resolve, PIECE_MS));
}
// Every turn server VAD started has its transcript (or 30 s passed).
const deadline = Date.now() + 30_000;
while (completed < started && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
if (completed < started) {
  console.error('earshot realtime: a turn got no transcript within 30 s');
  process.exitCode = 1;
}
rt.close();
