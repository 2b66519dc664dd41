const EXTENSION_SCHEME = 'chrome-extension://';

/**
 * Which browser origins may call the server: only Chrome extensions, either any of them or a configured
 * list given as extension ids or full `chrome-extension://<id>` origins.
 */
export function originPolicy(allowed: readonly string[] | undefined): (origin: string) => boolean {
  if (!allowed)
    return (origin) => origin.startsWith(EXTENSION_SCHEME) && origin.length > EXTENSION_SCHEME.length;
  const origins = new Set(allowed.map(toExtensionOrigin));
  return (origin) => origins.has(origin);
}

function toExtensionOrigin(entry: string): string {
  const value = entry.trim().replace(/\/+$/, '');
  if (value.startsWith(EXTENSION_SCHEME)) return value;
  if (/^[a-z0-9]+$/i.test(value)) return `${EXTENSION_SCHEME}${value}`;
  throw new Error(
    `allowed origin "${entry}" is neither a chrome extension id nor a chrome-extension:// origin`,
  );
}
