/** Drops the entries of a list in time order that come before its first recent one. */
export function dropOlderEntries<T>(entries: T[], isRecent: (entry: T) => boolean): void {
  const first = entries.findIndex(isRecent);
  if (first > 0) entries.splice(0, first);
}
