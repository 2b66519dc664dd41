/** The hostname of a tab's page, or '' for a page without one (or no page). */
export function hostnameOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').hostname;
  } catch {
    return '';
  }
}
