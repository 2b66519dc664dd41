/** Query parameters that only say where to start playing, not which video it is. */
const POSITION_PARAMS = ['t', 'start', 'time_continue'];

/**
 * Which video a page plays, as a cache key: the media file's address when it is a real one,
 * else the page's (blob: and MediaSource players have no stable media address). Fragments and
 * start-position parameters are left out, so a rewatch from another point finds the same key.
 */
export function videoKey(pageUrl: string, mediaSrc: string | undefined): string {
  const source = mediaSrc && /^https?:/i.test(mediaSrc) ? mediaSrc : pageUrl;
  try {
    const url = new URL(source);
    url.hash = '';
    for (const param of POSITION_PARAMS) url.searchParams.delete(param);
    url.searchParams.sort();
    return url.toString();
  } catch {
    return source;
  }
}
