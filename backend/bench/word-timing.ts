import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WORD_FILTER_SETTINGS } from '@earshot/shared';
import { Command } from 'commander';
import { DECODED_SAMPLE_RATE, decodeAudioFile } from '../src/audio/file-decoder';
import { loadModelRecognizer } from '../src/engine';
import { resolveModel, streamProgress } from '../src/models';
import { SENTENCES } from './sentences';
import { percentile } from './stats';
import { alignTimedWords, type TimedText } from './word-latency';

const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/word-timing/', import.meta.url));
const SPANS_SCRIPT = fileURLToPath(new URL('./espeak_word_spans.py', import.meta.url));
/** Voices and speaking rates (words per minute) the sentences are said in. */
const VOICES: [string, number][] = [
  ['en-us', 140],
  ['en-gb-x-rp', 170],
  ['en-us+f3', 120],
];
/** Silence around each sentence, as a pause in a stream would leave. */
const PAD_SECONDS = 0.5;
const PAD_SAMPLES = Math.round(PAD_SECONDS * DECODED_SAMPLE_RATE);
/** One 10 ms block at each edge, as the word-filter tests allow. */
const EDGE_SECONDS = 0.01;

interface SpokenSentence {
  id: string;
  file: string;
  /** Null times for a word espeak-ng said under one event with its neighbour. */
  words: { word: string; start: number | null; end: number | null }[];
}

const program = new Command('bench:word-timing')
  .description(
    "Says the bench sentences with espeak-ng and compares the model's word times with where espeak put each word",
  )
  .option('--model <id>', 'model id or directory', 'tiny-en')
  .option('--device <device>', 'cpu | auto | cuda | cuda:N', 'cpu')
  .parse();

/** Speaks every sentence in every voice once (cached by the inputs and the espeak-ng version). */
async function ensureSentences(): Promise<SpokenSentence[]> {
  const jobs = VOICES.flatMap(([voice, rate], v) =>
    SENTENCES.map((text, s) => ({ id: `${v}-${s}`, text, voice, rate })),
  );
  const espeakVersion = execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256')
    .update(JSON.stringify([jobs, espeakVersion, await readFile(SPANS_SCRIPT, 'utf8')]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(CACHE_DIR, key);
  const index = join(dir, 'spans.json');
  if (!existsSync(index)) {
    await mkdir(dir, { recursive: true });
    const spans = execFileSync('python3', [SPANS_SCRIPT, dir], {
      input: jobs.map((j) => JSON.stringify(j)).join('\n'),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    await writeFile(`${index}.partial`, spans);
    await rename(`${index}.partial`, index);
  }
  return JSON.parse(await readFile(index, 'utf8')) as SpokenSentence[];
}

const ms = (seconds: number) => `${Math.round(seconds * 1000)}`.padStart(5);

function row(label: string, values: number[]): string {
  const cells = [5, 25, 50, 75, 95].map((p) => ms(percentile(values, p)));
  return `${label.padEnd(34)}${cells.join(' ')}`;
}

async function main(options: { model: string; device: string }): Promise<void> {
  const sentences = await ensureSentences();
  const model = await resolveModel(options.model, {
    allowDownload: true,
    progress: streamProgress(process.stderr),
  });
  const recognizer = await loadModelRecognizer(model, options.device);
  const startErrors: number[] = [];
  const endErrors: number[] = [];
  const lastWordEndErrors: number[] = [];
  let spoken = 0;
  let covered = 0;
  const pad = DEFAULT_WORD_FILTER_SETTINGS.padSeconds;
  try {
    for (const sentence of sentences) {
      const said = await decodeAudioFile(sentence.file);
      const samples = new Float32Array(said.length + 2 * PAD_SAMPLES);
      samples.set(said, PAD_SAMPLES);
      const stream = recognizer.createStream();
      stream.acceptWaveform(samples);
      await recognizer.decode([stream]);
      // A word without times of its own matches nothing (NaN is never within the tolerance).
      const reference = sentence.words.map((w) => ({
        word: w.word,
        start: (w.start ?? Number.NaN) + PAD_SECONDS,
        end: (w.end ?? Number.NaN) + PAD_SECONDS,
      }));
      const heard = stream.result?.words ?? [];
      spoken += reference.filter((w) => !Number.isNaN(w.start)).length;
      for (const [r, h] of alignTimedWords(reference, heard)) {
        const truth = reference[r] as TimedText;
        const word = heard[h] as TimedText;
        startErrors.push(word.start - truth.start);
        endErrors.push(word.end - truth.end);
        if (r === reference.length - 1) lastWordEndErrors.push(word.end - truth.end);
        if (word.start - pad <= truth.start + EDGE_SECONDS && word.end + pad >= truth.end - EDGE_SECONDS)
          covered++;
      }
    }
  } finally {
    await recognizer.release();
  }
  const out = [
    `${model.id}: ${sentences.length} sentences (${VOICES.map(([v, r]) => `${v} at ${r} wpm`).join(', ')}), ${spoken} words with times of their own, ${startErrors.length} of them recognised`,
    '',
    `${'model time - espeak time (ms)'.padEnd(34)}${['p5', 'p25', 'p50', 'p75', 'p95'].map((p) => p.padStart(5)).join(' ')}`,
    row('word start', startErrors),
    row('word end', endErrors),
    row('word end, last in its sentence', lastWordEndErrors),
    '',
    `words whose sound the word filter's default ${Math.round(pad * 1000)} ms padding covers: ${((100 * covered) / Math.max(1, startErrors.length)).toFixed(1)} %`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

main(program.opts()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
