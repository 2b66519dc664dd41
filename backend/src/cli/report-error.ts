/**
 * Prints a failure as one line, `earshot: <message>`; the stack only with EARSHOT_DEBUG=1.
 * Every expected failure (bad file, unknown or missing model, CUDA unavailable) carries a
 * message written for the user, so the first line of any error is what they need.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): void {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n').find((line) => line.trim().length > 0) ?? 'unknown error';
  stderr.write(`earshot: ${firstLine.trim()}\n`);
  if (process.env.EARSHOT_DEBUG === '1' && error instanceof Error && error.stack) {
    stderr.write(`${error.stack}\n`);
  }
}
