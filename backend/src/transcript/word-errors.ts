/** Word-level Levenshtein distance: substitutions + insertions + deletions. */
export function wordEdits(reference: readonly string[], hypothesis: readonly string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[hypothesis.length] ?? 0;
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** Word error rate of `hypothesis` against `reference`, case and punctuation ignored. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const normalize = (text: string) => words(text.toLowerCase().replace(/[^\p{L}\p{N}' ]/gu, ' '));
  const ref = normalize(reference);
  return wordEdits(ref, normalize(hypothesis)) / Math.max(1, ref.length);
}
