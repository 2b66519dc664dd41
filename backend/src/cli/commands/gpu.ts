export async function gpuSetupCommand(): Promise<void> {
  const { installCudaProviders } = await import('../../engine/cuda');
  const result = await installCudaProviders({ onOutput: (text) => process.stderr.write(text) });
  if (!result.ok) throw new Error(result.message);
  process.stdout.write(`${result.message}\n`);
}
