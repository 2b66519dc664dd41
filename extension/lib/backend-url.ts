/** A backend address as typed by the user → its origin, or a one-line reason it cannot be used. */
export function parseBackendUrl(input: string): { ok: true; url: string } | { ok: false; error: string } {
  const example = 'Enter the backend address like http://127.0.0.1:8001.';
  const text = input.trim();
  let url: URL;
  try {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new Error('no scheme');
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a full address. ${example}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      error: `The backend is reached over http or https, not ${url.protocol.slice(0, -1)}. ${example}`,
    };
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return { ok: false, error: `Give only scheme, host and port, without a path. ${example}` };
  }
  return { ok: true, url: url.origin };
}
