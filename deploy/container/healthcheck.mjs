// The image's HEALTHCHECK: GET /ready on the server in this container, over HTTPS when it serves TLS.
// It reads the same EARSHOT_* variables the server does, so it follows the port, the TLS files and
// the Host names the server accepts. Exit 0: ready; 1: not (yet).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const port = process.env.EARSHOT_PORT || '8001';
const tls = Boolean(process.env.EARSHOT_TLS_CERT);
// The server checks the Host header: send one it accepts.
const host = process.env.EARSHOT_ALLOWED_HOSTS?.split(',')[0]?.trim() || `127.0.0.1:${port}`;
const request = tls ? httpsRequest : httpRequest;

const ready = request(
  // The certificate names the public host, not 127.0.0.1: this probe checks readiness, not identity.
  { host: '127.0.0.1', port, path: '/ready', headers: { host }, timeout: 4000, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
ready.on('timeout', () => ready.destroy(new Error('timed out')));
ready.on('error', (error) => {
  console.error(`earshot healthcheck: ${error.message}`);
  process.exit(1);
});
ready.end();
