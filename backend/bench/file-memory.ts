/**
 * Peak resident memory of `earshot serve` while it transcribes an hour-long file as a job: builds a
 * 60-minute espeak-ng recording (cached), starts the server as a child process, submits the file to
 * POST /v1/audio/jobs, samples the server's RSS (and its ffmpeg children's) from /proc until the job
 * is done, then stops the server with SIGINT and checks that no upload is left behind.
 *
 *   pnpm -C backend bench:file-memory [--model tiny-en] [--minutes 60]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openAsBlob, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatBytes } from '../src/models/progress';
import { ensureLongRecording } from './long-recording';
import { residentBytes } from './process-usage';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'tiny-en' },
    minutes: { type: 'string', default: '60' },
  },
});
const minutes = Number(values.minutes);
const BACKEND_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The kernel's own record of a process's peak RSS (VmHWM), in bytes. */
function peakRssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const file = ensureLongRecording(minutes);
  const uploads = mkdtempSync(join(tmpdir(), 'earshot-bench-uploads-'));
  // node --import tsx: the server is this one child process, whose /proc entry is read below.
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--model', values.model, '--port', '0'],
    { cwd: BACKEND_DIR, env: { ...process.env, TMPDIR: uploads }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.setEncoding('utf8');
    server.stdout.on('data', (text: string) => {
      out += text;
      const match = out.match(/serving (http:\/\/\S+)/);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`earshot serve exited with ${code} before serving`)));
  });
  const pid = server.pid as number;
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = residentBytes(pid);
    const idlePeak = peakRssOf(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(pid));
    }, 100);
    const started = performance.now();
    const form = new FormData();
    form.append('file', await openAsBlob(file), 'talk.mp3');
    form.append('model', 'whisper-1');
    const submitted = await fetch(`${url}/v1/audio/jobs`, { method: 'POST', body: form });
    const job = (await submitted.json()) as { id: string };
    if (submitted.status !== 202) throw new Error(`job refused: ${JSON.stringify(job)}`);
    let status: { status: string; progress: number; audio_seconds_total: number | null };
    for (;;) {
      status = (await (await fetch(`${url}/v1/audio/jobs/${job.id}`)).json()) as typeof status;
      if (status.status !== 'queued' && status.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    if (status.status !== 'succeeded') throw new Error(`job ${status.status}`);
    const result = (await (
      await fetch(`${url}/v1/audio/jobs/${job.id}/result?response_format=json`)
    ).json()) as {
      text: string;
    };
    const audioSeconds = status.audio_seconds_total ?? 0;
    const words = result.text.split(/\s+/).filter(Boolean).length;
    const serverPeak = peakRssOf(pid);
    console.log(
      `file: ${minutes} min espeak-ng MP3 (${formatBytes(readFileSync(file).length)}), model ${values.model}`,
    );
    console.log(
      `job: ${audioSeconds.toFixed(0)} s of audio in ${seconds.toFixed(0)} s (${(audioSeconds / seconds).toFixed(1)}× real time), ${words} words`,
    );
    console.log(
      `server RSS idle ${formatBytes(idle)}; peak during the job ${formatBytes(peak)} (+${formatBytes(peak - idle)}), sampled every 100 ms with ffmpeg children`,
    );
    console.log(
      `server VmHWM (kernel peak, the server process alone) ${formatBytes(serverPeak)}; before the job ${formatBytes(idlePeak)}`,
    );
  } finally {
    server.kill('SIGINT');
    await exited;
    const left = readdirSync(uploads).filter((name) => name.startsWith('earshot-upload-'));
    console.log(`uploads left in the server's temporary directory after SIGINT: ${left.length}`);
    rmSync(uploads, { recursive: true, force: true });
  }
}

await main();
