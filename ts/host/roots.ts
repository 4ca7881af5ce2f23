// SPDX-License-Identifier: MIT
// The runtime's default trust store as one PEM text: what its own TLS trusts
// when given no CA, so a CA a user adds the runtime's way (Node's
// NODE_EXTRA_CA_CERTS, --use-system-ca) is trusted here too. Shared by the
// Session's default `ca` (read on its first TLS connection: the `ca_runtime`
// import) and the curl-wasm tool.
import { nodeFs, nodeTls } from './builtins.js';

let pem: string | undefined;
let bytes: Uint8Array | undefined;

/**
 * node:tls getCACertificates('default') where it exists (Node ≥ 22.15: it
 * counts NODE_EXTRA_CA_CERTS and --use-system-ca), else tls.rootCertificates
 * plus the NODE_EXTRA_CA_CERTS file, as Node's TLS adds it. Read once per
 * process, as Node reads NODE_EXTRA_CA_CERTS once at start-up. Empty where
 * there is no node:tls (browsers, Workers).
 */
export function runtimeRootPemSync(): string {
  pem ??= load();
  return pem;
}

/** runtimeRootPemSync(), for callers that await it. */
export async function runtimeRootPem(): Promise<string> {
  return runtimeRootPemSync();
}

/** runtimeRootPemSync() as bytes, made once. */
export function runtimeRootBytes(): Uint8Array {
  bytes ??= new TextEncoder().encode(runtimeRootPemSync());
  return bytes;
}

function load(): string {
  let tls: typeof import('node:tls') & { getCACertificates?: (type: 'default') => string[] };
  try {
    tls = nodeTls();
  } catch {
    return '';
  }
  if (!tls) return '';
  let pems: string[];
  try {
    pems = tls.getCACertificates?.('default') ?? [...tls.rootCertificates];
  } catch {
    pems = [];
  }
  if (!tls.getCACertificates) {
    let extra: string | undefined;
    try {
      extra = globalThis.process?.env?.NODE_EXTRA_CA_CERTS;
    } catch {
      // Deno without --allow-env
    }
    if (extra) {
      try {
        pems.push(nodeFs().readFileSync(extra, 'latin1'));
      } catch {
        // Node warns and goes on without them; so do we
      }
    }
  }
  return pems.length ? `${pems.join('\n')}\n` : '';
}
