import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  path: string;
  range?: string;
  authorization?: string;
}

interface RepoFile {
  bytes: Buffer;
  lfs: boolean;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

/**
 * A local stand-in for the Hugging Face Hub: the tree API and the resolve endpoint (with Range),
 * LFS files redirected to a second "CDN" origin like the real Hub does.
 */
export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  /** Paths whose next download is cut off after half of the bytes. */
  readonly cutNext = new Set<string>();
  /** Paths whose next download sends half of the bytes, then waits for the promise before the rest. */
  readonly pauseNext = new Map<string, Promise<void>>();
  /** Paths served with bytes other than the ones listed. */
  readonly corrupt = new Set<string>();
  /** When set, the API and resolve endpoints answer 401 without this bearer token. */
  token: string | undefined;
  readonly files = new Map<string, RepoFile>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'earshot-fake-hub-'));
  private hub = createServer((req, res) => this.handleHub(req, res));
  private cdn = createServer((req, res) => this.handleCdn(req, res));
  hubUrl = '';
  private cdnUrl = '';

  constructor(readonly repo: string) {}

  async start(): Promise<this> {
    this.hubUrl = await listen(this.hub);
    this.cdnUrl = await listen(this.cdn);
    return this;
  }

  async stop(): Promise<void> {
    this.hub.closeAllConnections();
    this.cdn.closeAllConnections();
    await Promise.all([this.hub, this.cdn].map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(this.dir, { recursive: true, force: true });
  }

  addFile(path: string, bytes: Buffer, lfs: boolean): void {
    this.files.set(path, { bytes, lfs });
  }

  addRandomFile(path: string, size: number): Buffer {
    const bytes = randomBytes(size);
    this.addFile(path, bytes, true);
    return bytes;
  }

  requestsFor(path: string): LoggedRequest[] {
    return this.requests.filter(
      (r) => r.path.endsWith(`/${path}`) || r.path.endsWith(`/${this.sha256(path)}`),
    );
  }

  sha256(path: string): string {
    const file = this.files.get(path);
    return file ? createHash('sha256').update(file.bytes).digest('hex') : '';
  }

  /** The blob id git itself computes, so the store's git-sha1 is checked against git, not against itself. */
  private gitBlobId(bytes: Buffer): string {
    const file = join(this.dir, 'blob');
    writeFileSync(file, bytes);
    return execFileSync('git', ['hash-object', file], { encoding: 'utf8' }).trim();
  }

  private log(server: LoggedRequest['server'], req: IncomingMessage): void {
    this.requests.push({
      server,
      path: decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname),
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    this.log('hub', req);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Invalid credentials"}');
      return;
    }
    if (path === `/api/models/${this.repo}/tree/main`) {
      const listing = [...this.files].map(([name, f]) => ({
        type: 'file',
        path: name,
        size: f.lfs ? 134 : f.bytes.length,
        oid: this.gitBlobId(f.lfs ? Buffer.from(`pointer for ${name}`) : f.bytes),
        ...(f.lfs ? { lfs: { oid: this.sha256(name), size: f.bytes.length, pointerSize: 134 } } : {}),
      }));
      listing.push({ type: 'directory', path: 'docs', size: 0, oid: '0'.repeat(40) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
      return;
    }
    const prefix = `/${this.repo}/resolve/main/`;
    const file = path.startsWith(prefix) ? this.files.get(path.slice(prefix.length)) : undefined;
    if (!file) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const name = path.slice(prefix.length);
    if (file.lfs) {
      res.writeHead(302, { location: `${this.cdnUrl}/blobs/${this.sha256(name)}` }).end();
      return;
    }
    this.serveBytes(req, res, name, file.bytes);
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    this.log('cdn', req);
    const sha = new URL(req.url ?? '/', 'http://x').pathname.replace('/blobs/', '');
    const name = [...this.files.keys()].find((n) => this.sha256(n) === sha);
    const file = name ? this.files.get(name) : undefined;
    if (!name || !file) {
      res.writeHead(404).end();
      return;
    }
    this.serveBytes(req, res, name, file.bytes);
  }

  private serveBytes(req: IncomingMessage, res: ServerResponse, name: string, original: Buffer): void {
    let bytes = original;
    if (this.corrupt.has(name)) {
      bytes = Buffer.from(original);
      bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= bytes.length && range) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    const pause = this.pauseNext.get(name);
    if (pause) {
      this.pauseNext.delete(name);
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half), () => void pause.then(() => res.end(body.subarray(half))));
      return;
    }
    if (this.cutNext.delete(name)) {
      // Half the bytes, then the connection drops, like a flaky network mid-download.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () =>
        setTimeout(() => res.socket?.destroy(), 50),
      );
      return;
    }
    res.end(body);
  }
}
