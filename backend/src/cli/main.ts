import { Command, Option } from 'commander';
import { gpuSetupCommand } from './commands/gpu';
import { addKeyCommand, hashKeysCommand, listKeysCommand, revokeKeyCommand } from './commands/keys';
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
  .option('--format <format>', 'json, txt, srt, vtt or ctm (one line per word, as sclite reads it)', 'txt')
  .option('-o, --output <file>', 'write the transcript to this file instead of stdout')
  .option(
    '--language <code>',
    'Whisper, Canary: spoken language (en, de, ...); detected (Whisper) or English (Canary) when not given',
  )
  .option('--target-language <code>', 'Whisper, Canary: write the text in this language (a translation)')
  .option(
    '--vad <dir|id|off>',
    'voice activity detection: only speech is decoded, cut at its pauses: off, silero-vad, or a folder with silero_vad.onnx (default: silero-vad from the model store)',
  )
  .option('--task <task>', 'transcribe, or translate into English (as --target-language en)')
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
  .description(
    'add a new random key under a name to the key file (which keeps its hash) and print it, only this once',
  )
  .argument('<name>', 'what the key is called in usage and /metrics')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE); created if missing')
  .option('--redis <url>', "a cluster's Redis instead of a file: every worker accepts the key within seconds")
  .action(addKeyCommand);
keys
  .command('revoke')
  .description('remove a key: requests with it are refused from then on')
  .argument('<name>', 'the name of the key')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE)')
  .option('--redis <url>', "a cluster's Redis instead of a file: every worker refuses the key within seconds")
  .action(revokeKeyCommand);
keys
  .command('hash')
  .description('replace the keys a key file holds in clear text by their hashes (the keys keep working)')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE)')
  .action(hashKeysCommand);
keys
  .command('list')
  .description('show the names in the key file (never the keys)')
  .option('--file <keys.json>', 'key file (default: $EARSHOT_API_KEYS_FILE)')
  .option('--redis <url>', "a cluster's Redis instead of a file")
  .action(listKeysCommand);

program
  .command('gpu')
  .description('GPU support')
  .command('setup')
  .description("install ONNX Runtime's CUDA 12 provider libraries (needs an NVIDIA driver and internet)")
  .action(gpuSetupCommand);

/** Repeatable list option; a value (or its environment variable) may also list several, comma-separated. */
const list = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

// Every setting of a server can also come from the environment (containers, systemd units); a flag wins.
program
  .command('serve')
  .description('run the local backend the browser extension talks to')
  .addOption(
    new Option(
      '--model <id|dir>',
      'model id or model directory to keep loaded; repeat for several, the first is the default (default: parakeet-tdt-0.6b-v2, int8 on the CPU, fp32 on a GPU)',
    )
      .argParser(list)
      .env('EARSHOT_MODEL'),
  )
  .addOption(
    new Option(
      '--interim-model <id|dir>',
      'a fast model that makes the interim captions while the default --model makes the finals (loaded beside it)',
    ).env('EARSHOT_INTERIM_MODEL'),
  )
  .addOption(
    new Option(
      '--parakeet-model <id|dir>',
      'the model POST /transcribe (the NVIDIA ASR server API) runs for model=parakeet (default: the default --model); loaded beside it',
    ).env('EARSHOT_PARAKEET_MODEL'),
  )
  .addOption(
    new Option(
      '--canary-model <id|dir>',
      'the model POST /transcribe runs for model=canary (default: none, such requests are refused); loaded beside the others',
    ).env('EARSHOT_CANARY_MODEL'),
  )
  .addOption(
    new Option(
      '--device <device>',
      'cpu, webgpu (any GPU with a Vulkan driver), cuda, cuda:N, or auto (CUDA, then WebGPU, then CPU); GPU use is opt-in',
    )
      .default('cpu')
      .env('EARSHOT_DEVICE'),
  )
  .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1').env('EARSHOT_HOST'))
  .addOption(new Option('--port <port>', 'port to listen on').default('8001').env('EARSHOT_PORT'))
  .option(
    '--api-keys <file>',
    'JSON file of named API keys every route but /health, /ready and the API docs then needs (default: $EARSHOT_API_KEYS_FILE)',
  )
  .option('--insecure-no-auth', 'serve an address beyond loopback without API keys')
  .addOption(
    new Option('--tls-cert <file>', 'serve HTTPS and WSS with this PEM certificate (chain)').env(
      'EARSHOT_TLS_CERT',
    ),
  )
  .addOption(new Option('--tls-key <file>', "the certificate's PEM private key").env('EARSHOT_TLS_KEY'))
  .option(
    '--behind-proxy',
    'a TLS proxy in front terminates TLS: serve plain HTTP beyond loopback and read X-Forwarded-Host/-For/-Proto from the proxy (env: EARSHOT_BEHIND_PROXY=1)',
  )
  .addOption(
    new Option(
      '--proxy-address <ip|cidr>',
      "the proxy's address for --behind-proxy: an IP, a CIDR range, or loopback, linklocal, uniquelocal; repeat for several (default: loopback)",
    )
      .argParser(list)
      .env('EARSHOT_PROXY_ADDRESSES'),
  )
  .addOption(
    new Option(
      '--allowed-host <host[:port]>',
      'exact Host header value to accept instead of the loopback names (behind a proxy: the name clients use); repeat for several',
    )
      .argParser(list)
      .env('EARSHOT_ALLOWED_HOSTS'),
  )
  .option('--every-n-chunks <n>', 'run recognition after every N audio chunks of a recording')
  .addOption(
    new Option(
      '--vad <dir|id|off>',
      'voice activity detection gating the recognizer: off, silero-vad, or a folder with silero_vad.onnx (default: silero-vad from the model store)',
    ).env('EARSHOT_VAD'),
  )
  .option(
    '--language <code>',
    'Whisper, Canary: spoken language of requests that name none; detected per window (Whisper) or English (Canary) when not given',
  )
  .option(
    '--target-language <code>',
    'Whisper, Canary: language requests that name none are written in (a translation)',
  )
  .option('--task <task>', 'transcribe, or translate into English (as --target-language en)')
  .option('--max-upload-mb <n>', 'largest audio file /v1/audio accepts, in MiB (default: 1024)')
  .option('--max-jobs <n>', 'asynchronous jobs waiting or running at most (default: 16)')
  .option('--keep-jobs <seconds>', 'how long a finished job and its result are kept (default: 3600)')
  .addOption(
    new Option(
      '--redis <url>',
      'serve as one worker of a cluster: file jobs, usage and API keys shared through this Redis (docs/cluster.md)',
    ).env('EARSHOT_REDIS_URL'),
  )
  .addOption(
    new Option(
      '--jobs-dir <dir>',
      'with --redis: a directory every worker can read and write (a shared volume) where uploaded audio waits for its job',
    ).env('EARSHOT_JOBS_DIR'),
  )
  .addOption(
    new Option(
      '--drain-seconds <n>',
      'with --redis: on SIGTERM, how long open recordings and the running job get to finish (default: 30)',
    ).env('EARSHOT_DRAIN_SECONDS'),
  )
  .action(serveCommand);

try {
  await program.parseAsync();
} catch (error) {
  reportError(error);
  process.exitCode = 1;
}
