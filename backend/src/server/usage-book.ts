import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';

/** What one API key has used since its usage was first recorded. */
export interface KeyUsage {
  requests: number;
  /** Seconds of audio recognized for it (live and files alike). */
  audioSeconds: number;
  /** Seconds of live recording audio decoded for it. */
  liveSeconds: number;
  /** Requests answered with a 4xx or 5xx status. */
  errors: number;
  /** ISO time of its first recorded request. */
  since: string;
}

type Counted = Exclude<keyof KeyUsage, 'since'>;
export type UsageCounts = Partial<Record<Counted, number>>;

/** Where usage per key name is counted: a file of this process, or a store the workers of a cluster share. */
export interface UsageStore {
  add(key: string, counts: UsageCounts): void;
  get(key: string): Promise<KeyUsage>;
  entries(): Promise<[string, KeyUsage][]>;
  /** Makes what was added so far durable (written, or acknowledged by the shared store). */
  save(): Promise<void>;
}

const FILE_VERSION = 1;

/**
 * Usage per key name, kept in memory and, given a file, saved to it as JSON: written to a temporary
 * file and renamed over the old one, so a crash leaves either the old or the new totals, never half.
 */
export class UsageBook implements UsageStore {
  private readonly byKey = new Map<string, KeyUsage>();
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | undefined) {}

  /** Totals from `file` when it exists; a file that cannot be read as usage is an error, never overwritten. */
  static async open(file?: string): Promise<UsageBook> {
    const book = new UsageBook(file);
    if (file === undefined) return book;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return book;
      throw error;
    }
    const parsed = parseUsageFile(text);
    if (!parsed) {
      throw new Error(
        `usage file ${file} is not an Earshot usage file; move it away to start counting afresh`,
      );
    }
    for (const [name, usage] of Object.entries(parsed)) book.byKey.set(name, usage);
    return book;
  }

  add(key: string, counts: UsageCounts): void {
    const usage = this.usageOf(key);
    for (const [field, amount] of Object.entries(counts) as [Counted, number][]) {
      if (amount > 0) usage[field] += amount;
    }
    this.dirty = true;
  }

  async get(key: string): Promise<KeyUsage> {
    const usage = this.byKey.get(key);
    return usage ? { ...usage } : emptyUsage();
  }

  async entries(): Promise<[string, KeyUsage][]> {
    return [...this.byKey.entries()].map(([name, usage]) => [name, { ...usage }]);
  }

  /** Writes the totals if they changed since the last save; saves never overlap. */
  save(): Promise<void> {
    // A failed save (reported to its caller) does not stop the later ones.
    this.saving = this.saving.catch(() => {}).then(() => this.write());
    return this.saving;
  }

  private async write(): Promise<void> {
    if (this.file === undefined || !this.dirty) return;
    this.dirty = false;
    const body = { version: FILE_VERSION, keys: Object.fromEntries(this.byKey) };
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  private usageOf(key: string): KeyUsage {
    let usage = this.byKey.get(key);
    if (!usage) {
      usage = { ...emptyUsage(), since: new Date().toISOString() };
      this.byKey.set(key, usage);
    }
    return usage;
  }
}

export function emptyUsage(): KeyUsage {
  return { requests: 0, audioSeconds: 0, liveSeconds: 0, errors: 0, since: new Date().toISOString() };
}

function parseUsageFile(text: string): Record<string, KeyUsage> | undefined {
  try {
    const json = JSON.parse(text) as { version?: unknown; keys?: Record<string, Partial<KeyUsage>> };
    if (json.version !== FILE_VERSION || typeof json.keys !== 'object' || json.keys === null)
      return undefined;
    const out: Record<string, KeyUsage> = {};
    for (const [name, u] of Object.entries(json.keys)) {
      const numbers = [u.requests, u.audioSeconds, u.liveSeconds, u.errors];
      if (!numbers.every((n) => typeof n === 'number' && n >= 0) || typeof u.since !== 'string')
        return undefined;
      out[name] = u as KeyUsage;
    }
    return out;
  } catch {
    return undefined;
  }
}
