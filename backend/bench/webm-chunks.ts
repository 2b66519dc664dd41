import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One encoded audio frame of a WebM file: its time span (seconds) and where its bytes are. */
export interface WebmPacket {
  start: number;
  end: number;
  pos: number;
  size: number;
}

/** A MediaRecorder `dataavailable` chunk: bytes [from, to) of the file, handed over at `emitAt` seconds. */
export interface PlannedChunk {
  from: number;
  to: number;
  /** Seconds after the recording started at which the recorder hands the chunk over. */
  emitAt: number;
  final: boolean;
}

export async function readWebmPackets(file: string): Promise<WebmPacket[]> {
  const { stdout } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_packets',
      '-show_entries',
      'packet=pts_time,duration_time,pos,size',
      '-of',
      'json',
      file,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const packets = (JSON.parse(stdout) as { packets: Record<string, string>[] }).packets;
  return packets.map((p) => {
    const start = Number(p.pts_time);
    return { start, end: start + Number(p.duration_time), pos: Number(p.pos), size: Number(p.size) };
  });
}

/**
 * Cuts a WebM recording the way MediaRecorder with a timeslice hands it over: every `timeslice`
 * seconds, the bytes of the frames encoded so far. The cut lands at an arbitrary byte inside the last
 * complete frame (its remainder travels with the next chunk), so chunks split container elements as a
 * real recorder's may. Empty chunks are not sent (the extension skips them); the last chunk carries
 * everything left and `final`, handed over when the audio ends. Deterministic for a given seed.
 */
export function planChunks(
  fileSize: number,
  packets: readonly WebmPacket[],
  timeslice: number,
  seed = 1,
): PlannedChunk[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const duration = Math.max(0, ...packets.map((p) => p.end));
  const chunks: PlannedChunk[] = [];
  let cut = 0;
  let next = 0;
  let last: WebmPacket | undefined;
  for (let k = 1; k * timeslice < duration; k++) {
    const emitAt = k * timeslice;
    while (next < packets.length && (packets[next] as WebmPacket).end <= emitAt + 1e-9) {
      last = packets[next];
      next++;
    }
    if (!last) continue;
    const to = last.pos + last.size - Math.floor(random() * last.size);
    if (to <= cut) continue;
    chunks.push({ from: cut, to, emitAt, final: false });
    cut = to;
  }
  chunks.push({ from: cut, to: fileSize, emitAt: duration, final: true });
  return chunks;
}
