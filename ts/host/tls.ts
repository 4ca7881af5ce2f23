// SPDX-License-Identifier: MIT
// The `tls_start`/`tls_info` imports: TLS in the runtime's own node:tls
// (Node, Deno and Bun), under curl's host-TLS backend (wasm/glue/tls.c).
// tls_start wraps a connected socket of the bridge in a TLSSocket, so its
// descriptor carries plaintext and the ciphertext never enters the wasm. The
// host refuses no peer (rejectUnauthorized: false, no name check of its
// own): it reports the chain's verdict, the name check, the ALPN result and
// the certificates, and curl judges them with its own options. Nothing here
// opens a connection: the socket was connected, and judged by the sandbox's
// guard, before.
import type * as tls from 'node:tls';
import { RUNTIME_CA } from './abi.js';
import { nodeCrypto, nodeTls } from './builtins.js';
import { ERRNO } from './errno.js';
import type { Heap } from './memory.js';
import type { SocketTable, TcpSocket } from './sockets.js';
import { tap } from './tls-tap.js';

/** `what` of tls_info (wasm/glue/host.h LCW_TLS_*). */
export const TLS_INFO = {
  STATE: 0,
  ERROR: 1,
  CHAIN_ERROR: 2,
  NAME_ERROR: 3,
  ALPN: 4,
  SPKI: 5,
  CERT: 6,
  VERSION: 7,
  CIPHER: 8,
} as const;

/** struct lcw_tls_params, as wasm/glue/host.h lays it out. */
export interface TlsParams {
  sni: string | undefined;
  hostname: string;
  port: number;
  alpn: string[];
  /** 'runtime': the runtime's own trust store (RUNTIME_CA) */
  ca: Uint8Array | 'runtime' | undefined;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  cacheSession: boolean;
}

/** TLS protocol versions on the wire (0x0303, 0x0304). */
const VERSIONS = new Map<number, tls.SecureVersion>([
  [0x0303, 'TLSv1.2'],
  [0x0304, 'TLSv1.3'],
]);

const RUNTIME_CA_BYTES = new TextEncoder().encode(RUNTIME_CA);
const caBlob = (ca: Uint8Array): Uint8Array | 'runtime' =>
  ca.length === RUNTIME_CA_BYTES.length && ca.every((b, i) => b === RUNTIME_CA_BYTES[i]) ? 'runtime' : ca;

export function readTlsParams(heap: Heap, p: number): TlsParams {
  const alpnPtr = heap.u32(p + 12);
  const wire = alpnPtr ? heap.view(alpnPtr, heap.u32(p + 16)) : new Uint8Array(0);
  const alpn: string[] = [];
  for (let i = 0; i < wire.length; i += 1 + wire[i]!) alpn.push(Buffer.from(wire.subarray(i + 1, i + 1 + wire[i]!)).toString('latin1'));
  const caPtr = heap.u32(p + 20);
  return {
    sni: heap.cstring(heap.u32(p)) ?? undefined,
    hostname: heap.cstring(heap.u32(p + 4)) ?? '',
    port: heap.i32(p + 8),
    alpn,
    ca: caPtr ? caBlob(heap.view(caPtr, heap.u32(p + 24))) : undefined,
    minVersion: VERSIONS.get(heap.i32(p + 28)) ?? 'TLSv1.2',
    maxVersion: VERSIONS.get(heap.i32(p + 32)) ?? 'TLSv1.3',
    cacheSession: heap.i32(p + 36) !== 0,
  };
}

// OpenSSL's texts for the verify results Node reports by name, as curl's
// OpenSSL backend prints them (X509_verify_cert_error_string)
const CHAIN_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
};

/** What curl judges a peer by; kept with a session, since a resumed handshake shows no certificates. */
interface PeerFacts {
  chainError: string;
  nameError: string;
  spki: Uint8Array | string;
  chain: Uint8Array[];
}

/** One upgraded socket's handshake and what curl may ask about it. */
class Upgrade {
  state: 'handshaking' | 'done' | 'failed' = 'handshaking';
  error = '';
  #facts: PeerFacts | undefined;
  constructor(
    readonly socket: tls.TLSSocket,
    readonly hostname: string,
    readonly resumed: PeerFacts | undefined,
  ) {}

  answer(what: number, index: number): string | Uint8Array | number {
    const t = this.socket;
    switch (what) {
      case TLS_INFO.STATE:
        return this.state === 'done' ? 0 : this.state === 'failed' ? -ERRNO.PROTO : -ERRNO.AGAIN;
      case TLS_INFO.ERROR:
        return this.error;
    }
    if (this.state !== 'done') return -ERRNO.NOTCONN;
    switch (what) {
      case TLS_INFO.CHAIN_ERROR:
        return this.facts().chainError;
      case TLS_INFO.NAME_ERROR:
        return this.facts().nameError;
      case TLS_INFO.ALPN:
        return t.alpnProtocol || '';
      case TLS_INFO.SPKI:
        return this.facts().spki;
      case TLS_INFO.CERT:
        return this.facts().chain[index] ?? -ERRNO.NOENT;
      case TLS_INFO.VERSION:
        return t.getProtocol() ?? '';
      case TLS_INFO.CIPHER: {
        const c = t.getCipher();
        return c?.standardName ?? c?.name ?? '';
      }
    }
    return -ERRNO.INVAL;
  }

  facts(): PeerFacts {
    if (this.#facts) return this.#facts;
    const t = this.socket;
    if (this.resumed && t.isSessionReused()) return (this.#facts = this.resumed);
    const chain: Uint8Array[] = [];
    const leaf = t.getPeerCertificate(true);
    for (let c: tls.DetailedPeerCertificate | undefined = leaf; c?.raw && chain.length < 16; c = c.issuerCertificate) {
      chain.push(c.raw);
      if (c.issuerCertificate === c) break; // a root names itself
    }
    let chainError = '';
    if (!t.authorized) {
      const code = String(t.authorizationError ?? 'UNKNOWN');
      chainError = CHAIN_TEXT[code] ?? code.toLowerCase().replaceAll('_', ' ');
    }
    this.#facts = {
      chainError,
      nameError: leaf?.raw ? (nodeTls().checkServerIdentity(this.hostname, leaf)?.message ?? '') : 'no peer certificate',
      // `pubkey` is the bare key for EC; curl pins the SubjectPublicKeyInfo
      spki: leaf?.raw ? new (nodeCrypto().X509Certificate)(leaf.raw).publicKey.export({ type: 'spki', format: 'der' }) : '',
      chain,
    };
    return this.#facts;
  }
}

/** What curl's OpenSSL backend reports for a connection cut without close_notify (OpenSSL 3's error, as ERR_error_string_n words it). */
const UNEXPECTED_EOF = `OpenSSL/${globalThis.process?.versions?.openssl ?? '3'}: error:0A000126:SSL routines::unexpected eof while reading`;

const MAX_CONTEXTS = 8;
const MAX_SESSIONS = 1024;

/** One instance's host TLS: parsed trust stores and resumable sessions. */
export class HostTls {
  readonly #table: SocketTable;
  readonly #upgrades = new WeakMap<TcpSocket, Upgrade>();
  readonly #contexts = new Map<string, tls.SecureContext>();
  readonly #sessions = new Map<string, { session: Buffer; facts: PeerFacts }>();

  constructor(table: SocketTable) {
    this.#table = table;
  }

  /** Parsing a root store costs milliseconds: one context per distinct CA bundle and version range. */
  #context(p: TlsParams): { key: string; context: tls.SecureContext } {
    const { ca } = p;
    const key = `${ca === 'runtime' ? ca : ca ? nodeCrypto().createHash('sha256').update(ca).digest('base64') : '-'} ${p.minVersion} ${p.maxVersion}`;
    let context = this.#contexts.get(key);
    if (!context) {
      // node skips what does not parse; curl fails such a bundle (CURLE_SSL_CERTPROBLEM)
      if (ca && ca !== 'runtime' && !Buffer.from(ca.buffer, ca.byteOffset, ca.length).includes('-----BEGIN CERTIFICATE-----'))
        new (nodeCrypto().X509Certificate)(ca);
      // no `ca`: the runtime's default store (NODE_EXTRA_CA_CERTS, --use-system-ca
      // included); `ca: []` trusts nothing, as curl without a CA does
      const trust = ca === 'runtime' ? {} : { ca: ca ? [Buffer.from(ca)] : [] };
      context = nodeTls().createSecureContext({ ...trust, minVersion: p.minVersion, maxVersion: p.maxVersion });
      if (this.#contexts.size >= MAX_CONTEXTS) this.#contexts.delete(this.#contexts.keys().next().value!);
      this.#contexts.set(key, context);
    }
    return { key, context };
  }

  start(s: TcpSocket, p: TlsParams): number {
    let context;
    try {
      context = this.#context(p);
    } catch {
      return -ERRNO.INVAL; // the CA bundle does not parse
    }
    const sessionKey = `${p.hostname}:${p.port} ${p.sni ?? ''} ${p.alpn.join(',')} ${context.key}`;
    let upgrade: Upgrade | undefined;
    const cached = p.cacheSession ? this.#sessions.get(sessionKey) : undefined;
    const rc = s.wrap(
      (raw) => {
        let t: tls.TLSSocket | undefined;
        // the error is curl's to report (wasm/glue/tls.c host_recv), at the end of what arrived
        const pipe = tap(
          raw,
          () => {
            // a stream without node's readable state cannot say: taken as ended, never failing a good close
            const ended = (t as unknown as { _readableState?: { ended?: unknown } } | undefined)?._readableState?.ended;
            return typeof ended !== 'boolean' || ended;
          },
          () => {
            if (upgrade?.state === 'done') upgrade.error = UNEXPECTED_EOF;
          },
        );
        t = nodeTls().connect({
          socket: pipe ?? raw,
          secureContext: context.context,
          servername: p.sni,
          ALPNProtocols: p.alpn.length ? p.alpn : undefined,
          session: cached?.session,
          rejectUnauthorized: false,
          checkServerIdentity: () => undefined,
        });
        const u = new Upgrade(t, p.hostname, cached?.facts);
        upgrade = u;
        // registered before the bridge's own handlers: curl, woken by them, finds the state set
        t.once('secureConnect', () => {
          u.state = 'done';
          this.#table.changed(s.fd);
        });
        t.on('error', (err: Error) => {
          if (u.state !== 'handshaking') return;
          u.state = 'failed';
          u.error = err.message;
          this.#table.changed(s.fd);
        });
        if (p.cacheSession) {
          t.on('session', (session: Buffer) => {
            this.#sessions.delete(sessionKey);
            if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
            this.#sessions.set(sessionKey, { session, facts: u.facts() });
          });
        }
        return t;
      },
      () => upgrade?.state === 'handshaking',
    );
    if (rc === 0 && upgrade) this.#upgrades.set(s, upgrade);
    return rc;
  }

  /** tls_info: writes up to `cap` bytes of the answer at `buf`, answers its length (or -errno). */
  info(heap: Heap, s: TcpSocket | undefined, what: number, index: number, buf: number, cap: number): number {
    const u = s && this.#upgrades.get(s);
    if (!u) return -ERRNO.NOENT;
    const answer = u.answer(what, index);
    if (typeof answer === 'number') return answer;
    const bytes = typeof answer === 'string' ? Buffer.from(answer, 'utf8') : answer;
    if (buf && cap) heap.u8.set(bytes.subarray(0, Math.min(cap, bytes.length)), buf);
    return bytes.length;
  }
}
