import { Command } from 'commander';
import { gpuSetupCommand } from './commands/gpu';
import { addKeyCommand, listKeysCommand } from './commands/keys';
import { downloadModelCommand, listModelsCommand, verifyModelCommand } from './commands/models';
import { serveCommand } from './commands/serve';
import { transcribeCommand } from './commands/transcribe';
import { reportError } from './report-error';

const program = new Command('earshot')
  .description('Earshot: local speech recognition for live captions and transcripts')
  .configureOutput({
    // Commander puts "did you mean …?" on a second line; keep every failure to one line.
    outputError: (text, write) =>
      write(
        `earshot: ${text
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')}\n`,
      ),
  })
  .showSuggestionAfterError();

program
  .command('transcribe')
  .description('transcribe an audio or video file (anything ffmpeg reads)')
  .argument('<file>', 'audio or video file')
  .option(
    '--model <id|dir>',
    'model id or model directory (default: parakeet-tdt-0.6b-v2, int8 on the CPU, fp32 on a GPU)',
  )
  .option(
    '--device <device>',
    'cpu, webgpu (any GPU with a Vulkan driver), cuda, cuda:N, or auto (CUDA, then WebGPU, then CPU)',
    'cpu',
  )
  .option('--format <format>', 'json, txt, srt or vtt', 'txt')
  .option('-o, --output <file>', 'write the transcript to this file instead of stdout')
  .option('--language <code>', 'Whisper: spoken language (en, de, ...); detected when not given')
  .option(
    '--vad <dir|id|off>',
    'voice activity detection: only speech is decoded, cut at its pauses: off, silero-vad, or a folder with silero_vad.onnx (default: silero-vad from the model store)',
  )
  .option('--task <task>', 'Whisper: transcribe, or translate into English')
  .action(transcribeCommand);

const models = program.command('models').description('list, download and verify models');
models
  .command('list')
  .description('show every known model and whether it is on disk')
  .action(listModelsCommand);
models
  .command('download')
  .description('download a model into the cache (resumable, checksum-verified)')
  .argument('<id>', 'model id')
  .action(downloadModelCommand);
models
  .command('verify')
  .description("check a model's files against their checksums")
  .argument('<id>', 'model id')
  .action(verifyModelCommand);

const keys = program
  .command('keys')
  .description('API keys for a shared server (see earshot serve --api-keys)');
keys
  .command('add')
  .description('add a new random key under a name to the key file and print it (only this once)')
  .argument('<name>', 'what the key is called in usage and /metrics')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE); created if missing')
  .action(addKeyCommand);
keys
  .command('list')
  .description('show the names in the key file (never the keys)')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE)')
  .action(listKeysCommand);

program
  .command('gpu')
  .description('GPU support')
  .command('setup')
  .description("install ONNX Runtime's CUDA 12 provider libraries (needs an NVIDIA driver and internet)")
  .action(gpuSetupCommand);

program
  .command('serve')
  .description('run the local backend the browser extension talks to')
  .option(
    '--model <id|dir>',
    'model id or model directory to keep loaded; repeat for several, the first is the default (default: parakeet-tdt-0.6b-v2, int8 on the CPU, fp32 on a GPU)',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option(
    '--interim-model <id|dir>',
    'a fast model that makes the interim captions while the default --model makes the finals (loaded beside it)',
  )
  .option(
    '--device <device>',
    'cpu, webgpu (any GPU with a Vulkan driver), cuda, cuda:N, or auto (CUDA, then WebGPU, then CPU); GPU use is opt-in',
    'cpu',
  )
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option(
    '--api-keys <file>',
    'JSON file of named API keys every route but /health then needs (default: $EARSHOT_API_KEYS_FILE)',
  )
  .option('--insecure-no-auth', 'serve an address beyond loopback without API keys')
  .option(
    '--allowed-host <host:port>',
    'exact Host header value to accept instead of the loopback names; repeat for several (for --host 0.0.0.0)',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
  .option('--port <port>', 'port to listen on', '8001')
  .option('--every-n-chunks <n>', 'run recognition after every N audio chunks of a recording')
  .option(
    '--vad <dir|id|off>',
    'voice activity detection gating the recognizer: off, silero-vad, or a folder with silero_vad.onnx (default: silero-vad from the model store)',
  )
  .option('--language <code>', 'Whisper: spoken language (en, de, ...); detected per window when not given')
  .option('--task <task>', 'Whisper: transcribe, or translate into English')
  .option('--max-upload-mb <n>', 'largest audio file /v1/audio accepts, in MiB (default: 1024)')
  .option('--max-jobs <n>', 'asynchronous jobs waiting or running at most (default: 16)')
  .option('--keep-jobs <seconds>', 'how long a finished job and its result are kept (default: 3600)')
  .action(serveCommand);

try {
  await program.parseAsync();
} catch (error) {
  reportError(error);
  process.exitCode = 1;
}
