import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';

/** Where ONNX Runtime ran the nodes of one session's graph (after its optimizations). */
export interface NodePlacement {
  /** Nodes that ran, host↔device copies included. */
  nodes: number;
  /** Nodes the GPU provider left to the CPU provider. */
  onCpu: { name: string; op: string }[];
  /** Copies between host and GPU memory inserted by ONNX Runtime (MemcpyFromHost / MemcpyToHost). */
  copies: number;
}

interface ProfileEvent {
  cat?: string;
  name?: string;
  args?: { provider?: string; op_name?: string };
}

/**
 * Learns node placement from ONNX Runtime's profiler, the one place its Node API says which
 * provider ran each node: sessions are opened with profiling on, run once (the warm-up), and
 * `collect` ends profiling (which also turns it off) and reads the trace files back.
 */
export class PlacementRecorder {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'earshot-placement-'));

  sessionOptions(
    key: string,
  ): Pick<ort.InferenceSession.SessionOptions, 'enableProfiling' | 'profileFilePrefix'> {
    return { enableProfiling: true, profileFilePrefix: path.join(this.dir, key) };
  }

  collect<K extends string>(sessions: Record<K, ort.InferenceSession>): Record<K, NodePlacement> {
    try {
      const placement = {} as Record<K, NodePlacement>;
      for (const [key, session] of Object.entries(sessions) as [K, ort.InferenceSession][]) {
        session.endProfiling();
        const file = readdirSync(this.dir).find((name) => name.startsWith(`${key}_`));
        placement[key] = file
          ? placementOf(JSON.parse(readFileSync(path.join(this.dir, file), 'utf8')) as ProfileEvent[])
          : { nodes: 0, onCpu: [], copies: 0 };
      }
      return placement;
    } finally {
      this.discard();
    }
  }

  /** Ends profiling without reading it (a failed load). */
  abandon(sessions: Iterable<ort.InferenceSession>): void {
    for (const session of sessions) {
      try {
        session.endProfiling();
      } catch {
        // a released session has nothing left to profile
      }
    }
    this.discard();
  }

  private discard(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function placementOf(events: readonly ProfileEvent[]): NodePlacement {
  const seen = new Map<string, { op: string; provider: string }>();
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name?.endsWith('_kernel_time') || !event.args?.provider) continue;
    seen.set(event.name.slice(0, -'_kernel_time'.length), {
      op: event.args.op_name ?? '?',
      provider: event.args.provider,
    });
  }
  const nodes = [...seen].map(([name, node]) => ({ name, ...node }));
  return {
    nodes: nodes.length,
    onCpu: nodes.filter((n) => n.provider === 'CPUExecutionProvider').map(({ name, op }) => ({ name, op })),
    copies: nodes.filter((n) => n.op.startsWith('Memcpy')).length,
  };
}

/** `encoder 32 of 138 nodes on the CPU (Less ×4, Sub ×4, …)`, or that none are. */
export function describePlacement(part: string, placement: NodePlacement): string {
  if (placement.onCpu.length === 0) return `${part}: all ${placement.nodes} nodes on the GPU`;
  const byOp = new Map<string, number>();
  for (const node of placement.onCpu) byOp.set(node.op, (byOp.get(node.op) ?? 0) + 1);
  const ops = [...byOp]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([op, n]) => (n > 1 ? `${op} ×${n}` : op))
    .join(', ');
  return `${part}: ${placement.onCpu.length} of ${placement.nodes} nodes on the CPU (${ops})`;
}
