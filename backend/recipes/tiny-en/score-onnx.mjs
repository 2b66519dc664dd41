// Greedy TDT decoding of 16 kHz s16 mono WAVs through the exported ONNX files
// (nemo128.onnx -> encoder-model.onnx -> decoder_joint-model.onnx), exactly the
// loop onnx-asr uses for NeMo TDT models. Writes a sclite "trn" hypothesis file.
//
// usage (from backend/):
//   node recipes/tiny-en/score-onnx.mjs <model_dir> <wav_dir> <wav.list> <hyp.trn> [pad_seconds]
// wav.list lines: "<utt_id>\t<file relative to wav_dir>"
// pad_seconds: digital silence put before and after every utterance (streams and long files have
// pauses; the scoring sets do not).
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [modelDir, wavDir, listFile, outFile, padArg] = process.argv.slice(2);
const padSamples = Math.round(Number(padArg ?? 0) * 16000);
if (!outFile) {
  console.error('usage: score-onnx.mjs <model_dir> <wav_dir> <wav.list> <hyp.trn> [pad_seconds]');
  process.exit(2);
}

function readWav(file) {
  const b = fs.readFileSync(file);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${file}: not a RIFF/WAVE file`);
  }
  let off = 12;
  let fmt = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: b.readUInt16LE(body),
        channels: b.readUInt16LE(body + 2),
        rate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (fmt?.format !== 1 || fmt.channels !== 1 || fmt.bits !== 16 || fmt.rate !== 16000) {
        throw new Error(`${file}: need 16 kHz mono 16-bit PCM, got ${JSON.stringify(fmt)}`);
      }
      size = Math.min(size, b.length - body); // tolerate streamed (0xffffffff) sizes
      const n = Math.floor(size / 2);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = b.readInt16LE(body + 2 * i) / 32768;
      return x;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const pre = await ort.InferenceSession.create(path.join(modelDir, 'nemo128.onnx'), opts);
const enc = await ort.InferenceSession.create(path.join(modelDir, 'encoder-model.onnx'), opts);
const dec = await ort.InferenceSession.create(path.join(modelDir, 'decoder_joint-model.onnx'), opts);
const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
const durations = config.durations ?? [0];
const maxTokensPerStep = config.max_tokens_per_step ?? 10;

const vocab = [];
for (const line of fs.readFileSync(path.join(modelDir, 'vocab.txt'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const sp = line.lastIndexOf(' ');
  vocab[Number(line.slice(sp + 1))] = line.slice(0, sp);
}
const blank = vocab.indexOf('<blk>');
const V = vocab.length;

const stateMeta = dec.inputMetadata.find((m) => m.name === 'input_states_1');
const [L, , H] = stateMeta.shape;
const stateShape = [Number(L), 1, Number(H)];
const stateSize = Number(L) * Number(H);

async function recognize(x) {
  const f = await pre.run({
    waveforms: new ort.Tensor('float32', x, [1, x.length]),
    waveforms_lens: new ort.Tensor('int64', BigInt64Array.from([BigInt(x.length)]), [1]),
  });
  const e = await enc.run({ audio_signal: f.features, length: f.features_lens });
  const out = e.outputs;
  const [, D, Tp] = out.dims;
  const T = Number(e.encoded_lengths.data[0]);
  let s1 = new ort.Tensor('float32', new Float32Array(stateSize), stateShape);
  let s2 = new ort.Tensor('float32', new Float32Array(stateSize), stateShape);
  const tokens = [];
  let t = 0;
  let emitted = 0;
  const frame = new Float32Array(D);
  while (t < T) {
    for (let d = 0; d < D; d++) frame[d] = out.data[d * Tp + t];
    const last = tokens.length ? tokens[tokens.length - 1] : blank;
    const r = await dec.run({
      encoder_outputs: new ort.Tensor('float32', frame, [1, D, 1]),
      targets: new ort.Tensor('int32', Int32Array.from([last]), [1, 1]),
      target_length: new ort.Tensor('int32', Int32Array.from([1]), [1]),
      input_states_1: s1,
      input_states_2: s2,
    });
    const logits = r.outputs.data;
    let tok = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[tok]) tok = i;
    let di = 0;
    for (let i = 1; i < durations.length; i++) if (logits[V + i] > logits[V + di]) di = i;
    const step = durations[di];
    if (tok !== blank) {
      tokens.push(tok);
      s1 = r.output_states_1;
      s2 = r.output_states_2;
      emitted++;
    }
    if (step > 0) {
      t += step;
      emitted = 0;
    } else if (tok === blank || emitted === maxTokensPerStep) {
      t += 1;
      emitted = 0;
    }
  }
  return tokens
    .map((i) => vocab[i])
    .join('')
    .replaceAll('\u2581', ' ')
    .trim();
}

const lines = fs
  .readFileSync(listFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim());
const outLines = [];
const t0 = Date.now();
let audioSec = 0;
for (const line of lines) {
  const [uid, rel] = line.split('\t');
  const speech = readWav(path.join(wavDir, rel));
  const x = new Float32Array(speech.length + 2 * padSamples);
  x.set(speech, padSamples);
  audioSec += x.length / 16000;
  outLines.push(`${await recognize(x)} (${uid})`);
}
fs.writeFileSync(outFile, `${outLines.join('\n')}\n`);
const sec = (Date.now() - t0) / 1000;
console.log(
  `decoded ${lines.length} utts, ${audioSec.toFixed(1)} s audio in ${sec.toFixed(1)} s (RTF ${(sec / audioSec).toFixed(3)})`,
);
