/** The line of the installer's output that says what went wrong, rather than its last line (often just the Node version under a stack trace). */
function installerError(output: string): string | undefined {
  const outputLines = output.split('\n').map((l) => l.trim());
  return outputLines.find((l) => /^(\w*Error\b|error\b|ERR!)/i.test(l)) ?? outputLines.filter(Boolean).at(-1);
}

export async function gpuSetupCommand(): Promise<void> {
  const { installCudaProviders } = await import('../../engine/cuda');
  const debug = process.env.EARSHOT_DEBUG === '1';
  const result = await installCudaProviders(debug ? { onOutput: (text) => process.stderr.write(text) } : {});
  if (!result.ok) {
    const reason = installerError(result.output) ?? `installer exited with code ${result.exitCode}`;
    throw new Error(
      `could not install ONNX Runtime's CUDA 12 provider libraries: ${reason} ` +
        '(the installer needs internet access; EARSHOT_DEBUG=1 shows its full output)',
    );
  }
  process.stdout.write(`${result.message}\n`);
}
