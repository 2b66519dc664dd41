// Decodes a scoring set through Earshot's own Canary engine (the exported ONNX files, batched greedy
// decoding as the server runs it) and writes a sclite "trn" hypothesis file.
//
// usage (from backend/):
//   npx tsx recipes/tiny-canary/score.ts <model_dir> <wav_dir> <wav.list> <language> <target> <hyp.trn>
// wav.list lines: "<utt_id>\t<file relative to wav_dir>"
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeAudioFile } from '../../src/audio/file-decoder';
import { CanaryRecognizer } from '../../src/engine/canary/recognizer';

const [modelDir, wavDir, listFile, language, targetLanguage, outFile] = process.argv.slice(2);
if (!outFile || !modelDir || !wavDir || !listFile || !language || !targetLanguage) {
  console.error('usage: score.ts <model_dir> <wav_dir> <wav.list> <language> <target> <hyp.trn>');
  process.exit(2);
}
const BATCH = 8;
const recognizer = await CanaryRecognizer.load({ modelDir, modelId: 'scored', device: 'cpu' });
const entries = readFileSync(listFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => line.split('\t') as [string, string]);
const lines: string[] = [];
const started = performance.now();
let audioSeconds = 0;
for (let i = 0; i < entries.length; i += BATCH) {
  const part = entries.slice(i, i + BATCH);
  const streams = await Promise.all(
    part.map(async ([, file]) => {
      const stream = recognizer.createStream({ language, targetLanguage });
      stream.acceptWaveform(await decodeAudioFile(path.join(wavDir, file)));
      audioSeconds += stream.duration;
      return stream;
    }),
  );
  await recognizer.decode(streams);
  part.forEach(([id], k) => {
    lines.push(`${streams[k]?.result?.text ?? ''} (${id})`);
  });
}
const seconds = (performance.now() - started) / 1000;
writeFileSync(outFile, `${lines.join('\n')}\n`);
console.error(
  `${entries.length} utterances, ${audioSeconds.toFixed(0)} s of audio in ${seconds.toFixed(1)} s (decoding and file reading), batches of ${BATCH}`,
);
await recognizer.release();
