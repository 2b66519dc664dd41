import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REALTIME_EXAMPLE = fileURLToPath(new URL('../examples/realtime-transcribe.mjs', import.meta.url));

export interface TlsClientOptions {
  /** The CA the client trusts, as an operator's users would be told to. */
  caFile: string;
  apiKey: string;
}

/** POSTs a file to `<baseUrl>/v1/audio/transcriptions` with curl, as the README shows; the text heard. */
export async function curlTranscription(baseUrl: string, file: string, { caFile, apiKey }: TlsClientOptions) {
  const { stdout } = await run('curl', [
    ...['-sS', '--fail-with-body', '--max-time', '60', '--cacert', caFile],
    ...['-H', `Authorization: Bearer ${apiKey}`, '-F', `file=@${file}`, '-F', 'model=whisper-1'],
    `${baseUrl}/v1/audio/transcriptions`,
  ]);
  return (JSON.parse(stdout) as { text: string }).text;
}

/**
 * Streams a file through the official `openai` realtime client (backend/examples/realtime-transcribe.mjs)
 * in its own Node process, trusting the CA the usual Node way (NODE_EXTRA_CA_CERTS); the transcripts.
 */
export async function realtimeExampleTranscript(
  baseUrl: string,
  file: string,
  { caFile, apiKey }: TlsClientOptions,
) {
  const { stdout } = await run(process.execPath, [REALTIME_EXAMPLE, `${baseUrl}/v1`, file], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, OPENAI_API_KEY: apiKey },
    timeout: 90_000,
  });
  return stdout;
}
