import type { WebSocket } from 'ws';

/** Past this much unsent output, droppable messages (interims, deltas) are left out for the client. */
const SLOW_READER_BYTES = 256 * 1024;
/** Past this much unsent output the client is not reading at all, and the socket is closed. */
const STALLED_READER_BYTES = 4 * 1024 * 1024;

/**
 * Sends JSON messages on a WebSocket without letting a client that does not read hold the server's
 * memory: droppable messages are left out for a slow reader, and a stalled one is disconnected.
 */
export function socketSender(
  socket: WebSocket,
  dropped: () => void,
): (message: object, droppable: boolean) => void {
  return (message, droppable) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > STALLED_READER_BYTES) {
      socket.close(1008, 'the client is not reading its messages');
      return;
    }
    if (droppable && socket.bufferedAmount > SLOW_READER_BYTES) {
      dropped();
      return;
    }
    socket.send(JSON.stringify(message));
  };
}

/** A frame's bytes, whatever form ws handed them in. */
export function frameBytes(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
