import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:tls';

export interface TlsLoopback {
  port: number;
  /** The self-signed certificate, for the client to trust. */
  ca: Buffer;
  /** Where to forward the decrypted bytes (the plain listener under test). */
  forwardTo(port: number): void;
  close(): Promise<void>;
}

/**
 * A TLS front on 127.0.0.1 with a fresh self-signed certificate, forwarding the bytes to a plain local
 * listener: the `openai` realtime client only speaks wss://, and the server under test speaks ws://.
 */
export async function tlsLoopback(): Promise<TlsLoopback> {
  const dir = mkdtempSync(path.join(tmpdir(), 'earshot-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(path.join(dir, 'key.pem'));
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    let target = 0;
    const server: Server = createServer({ key, cert }, (socket) => {
      const upstream = connect(target, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      ca: cert,
      forwardTo(port) {
        target = port;
      },
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
