import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/** Where the server's certificate chain and private key are, both PEM. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

export class TlsFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

/**
 * Reads the certificate and key and checks that they make a TLS context (a key that does not match
 * the certificate, or a file that is not PEM, is refused here rather than at the first handshake).
 */
export async function readTlsFiles({ certFile, keyFile }: TlsFiles): Promise<TlsCredentials> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new TlsFilesError(
        `TLS ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? error})`}`,
      );
    }
  };
  const [cert, key] = await Promise.all([read(certFile, 'certificate'), read(keyFile, 'key')]);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsFilesError(
      `TLS certificate ${certFile} and key ${keyFile} cannot be used together: ${(error as Error).message}`,
    );
  }
  return { cert, key };
}
