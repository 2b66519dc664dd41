import { createHash } from 'node:crypto';

/**
 * Public half of an RSA key used only for test builds (EARSHOT_EXTENSION_KEY=1): a manifest
 * `key` pins the extension id, so end-to-end tests can allowlist the extension for tab capture
 * and open its pages. The private half was never kept; nothing is signed with it.
 */
export const TEST_EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAn19ZbPOagfQNvnxBfDbvFvOpN0z9zFOl+ltVANkk6WRd+UnNSZZEmCpf2xpm7jmatXnbYtBRAChOQVHjAHnE+K2y+u2HQgRL185F+pJ/Rebf0qpNHkkQlpepzzqxk5YUttdJhhF5Og3XfAAcg5g3W2J8FyAV5BMK6PfySmyQsi6FNyyvgNEZ8mo2eKB/LdlGl9lWvykppdnT8Q3gJyUU+zxvV/e3lDLUFMxNVvEZpyH/GLXjvRdKqUGWYCX2VPqVEp3RfajwCIb/QLAyQgHPl2oxfT6vklXVrZYsKYZNTZAIc5JClX5ISY/fNAGZOCaEbh8HZQSPQdpKnpI6m8Y0rQIDAQAB';

/** Chrome's extension id for a manifest key: sha256 of the DER key, first 32 hex digits mapped 0-f → a-p. */
export function extensionIdFromPublicKey(base64DerKey: string): string {
  const hex = createHash('sha256').update(Buffer.from(base64DerKey, 'base64')).digest('hex').slice(0, 32);
  return [...hex]
    .map((digit) => String.fromCharCode('a'.charCodeAt(0) + Number.parseInt(digit, 16)))
    .join('');
}

export const TEST_EXTENSION_ID = extensionIdFromPublicKey(TEST_EXTENSION_PUBLIC_KEY);
