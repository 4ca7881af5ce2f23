// SPDX-License-Identifier: MIT
// Telling a TLS close_notify from a bare TCP end. node:tls reports both as
// the end of the plaintext stream: TLSWrap (src/crypto/crypto_tls.cc) emits
// EOF from ClearOut() on SSL_ERROR_ZERO_RETURN (close_notify), and from
// OnStreamRead() when its TCP stream ends (no close_notify; OpenSSL never
// sees that EOF, so SSL_OP_IGNORE_UNEXPECTED_EOF plays no part), and nothing
// that reaches JavaScript says which. When TLS reads the TCP socket's native
// handle, the TCP end never reaches JavaScript either. So the ciphertext
// goes through this stream instead (node:tls wraps it in a JSStreamSocket):
// every TCP read is handed to TLS synchronously, so when the TCP stream
// ends, a close_notify among its bytes has already ended the TLS stream; if
// it has not, the peer (or someone on the path) cut the connection, which
// is how a connection-delimited body is truncated. The TCP socket keeps
// reading into a user buffer (net's onread, ./read-into.ts) that TLS copies
// from within the same read callback, so one buffer serves every socket. Where the runtime lacks those internals, tap()
// answers undefined and TLS reads the TCP socket itself, as before.
import type * as net from 'node:net';
import { Duplex } from 'node:stream';
import { redirectReads } from './read-into.js';

/** The size of one TCP read (libuv's default suggestion). */
const READ_SIZE = 64 * 1024;
let shared: Buffer | undefined;

/**
 * A stream between `raw` (a connected TCP socket made with `onread`) and
 * node:tls, or undefined where the runtime does not allow it. `onCut` runs
 * when the TCP stream ends while `tlsEnded()` answers false.
 */
export function tap(raw: net.Socket, tlsEnded: () => boolean, onCut: () => void): Duplex | undefined {
  const pipe = new Duplex({
    // nothing is pushed: reads are emitted as they come, and JSStreamSocket's readStart/readStop become resume/pause below
    read() {},
    write(chunk: Buffer, _encoding, done) {
      raw.write(chunk, done);
    },
    final(done) {
      raw.end();
      done();
    },
    destroy(err, done) {
      raw.destroy();
      done(err);
    },
  });
  shared ??= Buffer.allocUnsafe(READ_SIZE);
  const rx = shared;
  // JSStreamSocket copies each chunk into TLS as it is emitted (readBuffer): nothing reads rx later
  const ok = redirectReads(
    raw,
    () => rx,
    (n) => {
      pipe.emit('data', rx.subarray(0, n));
      return !pipe.isPaused();
    },
  );
  if (!ok) return undefined;
  pipe.pause = function (this: Duplex) {
    Duplex.prototype.pause.call(this);
    raw.pause();
    return this;
  };
  pipe.resume = function (this: Duplex) {
    Duplex.prototype.resume.call(this);
    raw.resume();
    return this;
  };
  // JSStreamSocket's writes (cork, write per buffer, uncork) go straight to the TCP socket, past a second Writable
  pipe.cork = () => raw.cork();
  pipe.uncork = () => raw.uncork();
  pipe.write = ((chunk: Buffer, done?: (err?: Error | null) => void) => raw.write(chunk, done)) as Duplex['write'];
  raw.on('end', () => {
    if (!tlsEnded()) onCut();
    pipe.emit('end');
  });
  raw.on('error', (err) => pipe.destroy(err));
  raw.on('close', () => pipe.destroy());
  return pipe;
}
