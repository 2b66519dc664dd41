import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import * as ort from 'onnxruntime-node';
import { webGpuAdapter } from '../src/engine/gpu-adapter';
import { BUNDLED_NEMO128_PREPROCESSOR } from '../src/engine/locations';
import { probeWebGpu, webGpuBackend } from '../src/engine/webgpu';
import { concat, silence, speak } from '../test/engine/speech-audio';
import { positiveWholeNumbers, wholeNumber } from './options';
import { percentile } from './stats';

// The bare cost of a Parakeet model on this machine: its ONNX Runtime sessions called directly,
// with the smallest greedy TDT loop that decodes, and nothing of Earshot's around them.

const program = new Command('bench:floor')
  .requiredOption('--model <dir>', 'a model directory in the Parakeet ONNX layout')
  .option('--windows <seconds>', 'window lengths', positiveWholeNumbers, [1, 2, 4, 8, 16])
  .option('--threads <list>', 'intra-op thread counts', positiveWholeNumbers, [1, 2])
  .option('--variants <list>', 'fp32,int8', (v) => v.split(','), ['fp32', 'int8'])
  .option(
    '--devices <list>',
    'cpu,webgpu: the same sessions on the CPU provider and on ONNX Runtime WebGPU',
    (v) => v.split(','),
    ['cpu'],
  )
  .option('--repeats <n>', 'timed runs per cell (after one warm-up)', wholeNumber(1), 3)
  .parse();

const opts = program.opts<{
  model: string;
  windows: number[];
  threads: number[];
  variants: string[];
  devices: string[];
  repeats: number;
}>();

for (const device of opts.devices) {
  if (device !== 'cpu' && device !== 'webgpu')
    throw new InvalidArgumentError(`unknown device "${device}": cpu or webgpu`);
}

const RATE = 16000;
const SENTENCES = [
  'the weather was clear and the road ran along the river for many miles',
  'she opened the letter slowly and read it twice before she said a word',
  'we will meet again at the station tomorrow morning before the first train',
  'my friend has a book and a paper on the table near the door',
];

/** Speech with short pauses, as a tab plays it, long enough for the longest window. */
function speechAudio(seconds: number): Float32Array {
  const parts: Float32Array[] = [];
  let length = 0;
  for (let i = 0; length < seconds * RATE; i++) {
    const part = concat(speak(SENTENCES[i % SENTENCES.length] as string), silence(0.4));
    parts.push(part);
    length += part.length;
  }
  return concat(...parts).subarray(0, seconds * RATE);
}

interface Sessions {
  features: ort.InferenceSession;
  encoder: ort.InferenceSession;
  joint: ort.InferenceSession;
  layers: number;
  size: number;
}

async function open(dir: string, variant: string, threads: number, device: string): Promise<Sessions> {
  const suffix = variant === 'int8' ? '.int8' : '';
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: device === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
  const own = join(dir, 'nemo128.onnx');
  const joint = await ort.InferenceSession.create(join(dir, `decoder_joint-model${suffix}.onnx`), options);
  const state = joint.inputMetadata.find((m) => m.name === 'input_states_1');
  const [layers, , size] = state?.isTensor ? state.shape : [];
  return {
    // As the engine does on WebGPU: the mel features go into the encoder without leaving the GPU.
    features: await ort.InferenceSession.create(existsSync(own) ? own : BUNDLED_NEMO128_PREPROCESSOR, {
      ...options,
      ...(device === 'webgpu' ? { preferredOutputLocation: { features: 'gpu-buffer' as const } } : {}),
    }),
    encoder: await ort.InferenceSession.create(join(dir, `encoder-model${suffix}.onnx`), options),
    joint,
    layers: Number(layers),
    size: Number(size),
  };
}

interface Timing {
  featuresMs: number;
  encoderMs: number;
  loopMs: number;
  jointCalls: number;
  tokens: number;
}

async function decodeOnce(
  s: Sessions,
  audio: Float32Array,
  vocab: number,
  durations: number,
): Promise<Timing> {
  let t = performance.now();
  const f = await s.features.run({
    waveforms: new ort.Tensor('float32', audio, [1, audio.length]),
    waveforms_lens: new ort.Tensor('int64', BigInt64Array.of(BigInt(audio.length)), [1]),
  });
  const featuresMs = performance.now() - t;
  t = performance.now();
  const e = await s.encoder.run({
    audio_signal: f.features as ort.Tensor,
    length: f.features_lens as ort.Tensor,
  });
  if (f.features?.location === 'gpu-buffer') f.features.dispose();
  const encoderMs = performance.now() - t;
  t = performance.now();
  const out = e.outputs as ort.Tensor;
  const [, dim = 0, frames = 0] = out.dims;
  const data = out.data as Float32Array;
  const blank = vocab - 1;
  const stateDims = [s.layers, 1, s.size];
  let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(s.layers * s.size), stateDims);
  let c = h;
  const frame = new Float32Array(dim);
  let last = blank;
  let emitted = 0;
  let calls = 0;
  let tokens = 0;
  for (let at = 0; at < frames; ) {
    for (let d = 0; d < dim; d++) frame[d] = data[d * frames + at] ?? 0;
    const r = await s.joint.run({
      encoder_outputs: new ort.Tensor('float32', frame, [1, dim, 1]),
      targets: new ort.Tensor('int32', Int32Array.of(last), [1, 1]),
      target_length: new ort.Tensor('int32', Int32Array.of(1), [1]),
      input_states_1: h,
      input_states_2: c,
    });
    calls++;
    const logits = r.outputs?.data as Float32Array;
    let token = 0;
    for (let i = 1; i < vocab; i++) if ((logits[i] ?? 0) > (logits[token] ?? 0)) token = i;
    let best = vocab;
    for (let i = vocab + 1; i < vocab + durations; i++) if ((logits[i] ?? 0) > (logits[best] ?? 0)) best = i;
    const step = best - vocab;
    if (token !== blank) {
      tokens++;
      emitted++;
      last = token;
      h = r.output_states_1 as ort.Tensor;
      c = r.output_states_2 as ort.Tensor;
    }
    if (step > 0 || token === blank || emitted >= 10) {
      at += Math.max(step, 1);
      emitted = 0;
    }
  }
  return { featuresMs, encoderMs, loopMs: performance.now() - t, jointCalls: calls, tokens };
}

async function main(): Promise<void> {
  const audio = speechAudio(Math.max(...opts.windows));
  const vocab = readFileSync(join(opts.model, 'vocab.txt'), 'utf8').trim().split('\n').length;
  const durations = 5;
  const rows: string[] = [
    '| device | variant | threads | window s | features ms | encoder ms | decoding loop ms | joint calls | tokens | encoder + loop, × real time |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  if (opts.devices.includes('webgpu')) {
    const probe = probeWebGpu();
    if (!probe.available) throw new Error(`WebGPU is unavailable here: ${probe.reason}`);
  }
  for (const device of opts.devices) {
    for (const variant of opts.variants) {
      for (const threads of opts.threads) {
        const s = await open(opts.model, variant, threads, device);
        if (device === 'webgpu' && notes.length === 0) {
          const { adapter } = webGpuAdapter(webGpuBackend());
          notes.push(
            `webgpu adapter: ${adapter.name}; vendor ${adapter.vendor}, backend ${adapter.backend}${adapter.software ? '; a software rasterizer on the CPU' : ''}`,
          );
          process.stderr.write(`${notes[0]}\n`);
        }
        for (const seconds of opts.windows) {
          const window = audio.slice(0, seconds * RATE);
          await decodeOnce(s, window, vocab, durations);
          const runs: Timing[] = [];
          for (let i = 0; i < opts.repeats; i++) runs.push(await decodeOnce(s, window, vocab, durations));
          const m = (k: keyof Timing) =>
            percentile(
              runs.map((r) => r[k]),
              50,
            );
          const total = m('encoderMs') + m('loopMs');
          const row = `| ${device} | ${variant} | ${threads} | ${seconds} | ${m('featuresMs').toFixed(0)} | ${m('encoderMs').toFixed(0)} | ${m('loopMs').toFixed(0)} | ${m('jointCalls')} | ${m('tokens')} | ${((seconds * 1000) / total).toFixed(1)} |`;
          rows.push(row);
          process.stderr.write(`${row}\n`);
        }
        await Promise.all([s.features.release(), s.encoder.release(), s.joint.release()]);
      }
    }
  }
  const header = [`median of ${opts.repeats} runs after one warm-up, batch 1`, ...notes].join('\n');
  process.stdout.write(`\n${header}\n${rows.join('\n')}\n`);
}

await main();
