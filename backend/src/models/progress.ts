import cliProgress from 'cli-progress';

/** Told about one file's download; `start` may be called again when a retry resumes it. */
export interface DownloadProgress {
  start(name: string, totalBytes: number | undefined, doneBytes: number): void;
  advance(bytes: number): void;
  end(): void;
}

export const silentProgress: DownloadProgress = { start() {}, advance() {}, end() {} };

const MB = 1024 * 1024;
const megabytes = (bytes: number) => (bytes / MB).toFixed(1);

/** A bar on a terminal; elsewhere (logs, CI) one plain line every `intervalMs` and one at the end. */
export function streamProgress(stream: NodeJS.WriteStream, intervalMs = 5000): DownloadProgress {
  if (stream.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(name, total, done) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${name} [{bar}] {percentage}% | {done}/{all} MB | eta {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total ?? 0, done, { done: megabytes(done), all: megabytes(total ?? 0) });
      },
      advance(bytes) {
        if (!bar) return;
        const value = bar.getProgress() * bar.getTotal() + bytes;
        bar.update(value, { done: megabytes(value) });
      },
      end() {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  let name: string | undefined;
  let total: number | undefined;
  let done = 0;
  let lastLine = 0;
  const line = () => {
    const percent = total ? ` ${Math.floor((done / total) * 100)}%` : '';
    stream.write(
      `downloading ${name}:${percent} ${megabytes(done)}${total ? `/${megabytes(total)}` : ''} MB\n`,
    );
    lastLine = Date.now();
  };
  return {
    start(n, t, d) {
      name = n;
      total = t;
      done = d;
      line();
    },
    advance(bytes) {
      done += bytes;
      if (name !== undefined && Date.now() - lastLine >= intervalMs) line();
    },
    end() {
      if (name !== undefined) line();
      name = undefined;
    },
  };
}
