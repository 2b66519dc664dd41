import cliProgress from 'cli-progress';

/** Told about one file's download; `start` may be called again when a retry resumes it. */
export interface DownloadProgress {
  start(name: string, totalBytes: number | undefined, doneBytes: number): void;
  advance(bytes: number): void;
  end(): void;
}

export const silentProgress: DownloadProgress = { start() {}, advance() {}, end() {} };

/** `512 B`, `48.8 kB`, `620.0 MB`, `2.4 GB` (binary multiples). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

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
            format: `${name} [{bar}] {percentage}% | {done} / {all} | eta {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total ?? 0, done, {
          done: formatBytes(done),
          all: total === undefined ? '?' : formatBytes(total),
        });
      },
      advance(bytes) {
        if (!bar) return;
        const value = bar.getProgress() * bar.getTotal() + bytes;
        bar.update(value, { done: formatBytes(value) });
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
      `downloading ${name}:${percent} ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''}\n`,
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
