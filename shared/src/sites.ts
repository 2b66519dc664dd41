/**
 * Whether a per-site setting made for `site` applies on a page of `hostname`: a subdomain follows
 * its parent (youtube.com covers www.youtube.com).
 */
export function siteCovers(site: string, hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === site || host.endsWith(`.${site}`);
}
