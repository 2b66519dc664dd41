import { DownloadError } from './errors';

const MAX_REDIRECTS = 5;

/** The network did not answer at all (refused, DNS, reset before a response). */
export class NetworkError extends DownloadError {
  override name = 'NetworkError';
  constructor(url: string, cause: unknown) {
    const code = (cause as { cause?: { code?: string } })?.cause?.code;
    const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
    super(`cannot reach ${new URL(url).origin} (${detail})`, true);
  }
}

export interface RequestOptions {
  /** Sent as a bearer token, only to the origin of the first URL (never to a CDN it redirects to). */
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** GET that follows redirects itself so the Hub token never leaks to another origin. */
export async function httpGet(url: string, options: RequestOptions = {}): Promise<Response> {
  const tokenOrigin = new URL(url).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token && new URL(current).origin === tokenOrigin) {
      headers.authorization = `Bearer ${options.token}`;
    }
    let response: Response;
    try {
      response = await fetch(current, {
        headers,
        redirect: 'manual',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      throw new NetworkError(current, err);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return response;
  }
  throw new DownloadError(`too many redirects fetching ${url}`, false);
}

export function httpStatusError(url: string, response: Response, hint = ''): DownloadError {
  const what = `${response.status} ${response.statusText}`.trim();
  const authHint =
    response.status === 401 || response.status === 403
      ? ' (access denied: set HF_TOKEN to a Hugging Face token that can read this repository)'
      : '';
  return new DownloadError(`${url} answered ${what}${authHint}${hint}`, response.status >= 500);
}
