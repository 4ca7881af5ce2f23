// SPDX-License-Identifier: MIT
// What a finished (or running) transfer knows about itself, from CURLINFO_*.
import type { Easy } from '../curl/easy.js';
import { CURL_HTTP_VERSION } from '../curl/generated/enums.js';
import { InfoBatch } from '../curl/info-batch.js';

/** Milliseconds from the start of the transfer (CURLINFO_*_TIME_T / 1000). */
export interface Timings {
  nameLookup: number;
  connect: number;
  /** TLS handshake done (0 without TLS). */
  tls: number;
  pretransfer: number;
  firstByte: number;
  total: number;
  redirect: number;
}

export interface TransferInfo {
  /** The last URL used (after redirects). */
  url: string;
  status: number;
  /** '1.0', '1.1', '2' or '3'. */
  httpVersion: string;
  primaryIp: string;
  primaryPort: number;
  localIp: string;
  localPort: number;
  redirectCount: number;
  timings: Timings;
  bytes: { downloaded: number; uploaded: number; headers: number };
  tls: { version: string; cipher: string; verifyResult: number } | undefined;
}

const V = CURL_HTTP_VERSION;
const VERSIONS: Record<number, string> = {
  [V.CURL_HTTP_VERSION_1_0]: '1.0',
  [V.CURL_HTTP_VERSION_1_1]: '1.1',
  [V.CURL_HTTP_VERSION_2_0]: '2',
  [V.CURL_HTTP_VERSION_3]: '3',
};

/** Everything readTransferInfo reports, read in one wasm call. */
const ALL = new InfoBatch([
  'EFFECTIVE_URL',
  'RESPONSE_CODE',
  'HTTP_VERSION',
  'PRIMARY_IP',
  'PRIMARY_PORT',
  'LOCAL_IP',
  'LOCAL_PORT',
  'REDIRECT_COUNT',
  'NAMELOOKUP_TIME_T',
  'CONNECT_TIME_T',
  'APPCONNECT_TIME_T',
  'PRETRANSFER_TIME_T',
  'STARTTRANSFER_TIME_T',
  'TOTAL_TIME_T',
  'REDIRECT_TIME_T',
  'SIZE_DOWNLOAD_T',
  'SIZE_UPLOAD_T',
  'HEADER_SIZE',
  'SSL_VERIFYRESULT',
]);

export function readTransferInfo(easy: Easy, tls: { version: string; cipher: string } | undefined): TransferInfo {
  const a = ALL.read(easy);
  const n = (i: number) => (a[i] as number | null) ?? 0;
  const s = (i: number) => (a[i] as string | null) ?? '';
  return {
    url: s(0),
    status: n(1),
    httpVersion: VERSIONS[n(2)] ?? '',
    primaryIp: s(3),
    primaryPort: n(4),
    localIp: s(5),
    localPort: n(6),
    redirectCount: n(7),
    timings: {
      nameLookup: n(8) / 1000,
      connect: n(9) / 1000,
      tls: n(10) / 1000,
      pretransfer: n(11) / 1000,
      firstByte: n(12) / 1000,
      total: n(13) / 1000,
      redirect: n(14) / 1000,
    },
    bytes: { downloaded: n(15), uploaded: n(16), headers: n(17) },
    tls: tls && { ...tls, verifyResult: n(18) },
  };
}
