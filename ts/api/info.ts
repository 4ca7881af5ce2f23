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
] as const);

/** What curl measured, read from the handle (while it is this transfer's) and made a TransferInfo only when asked. */
export type InfoAnswers = ReturnType<typeof ALL.values>;

export function readInfoAnswers(easy: Easy): InfoAnswers {
  return ALL.values(easy);
}

export function readTransferInfo(easy: Easy, tls: { version: string; cipher: string } | undefined): TransferInfo {
  return toTransferInfo(ALL.values(easy), tls);
}

export function toTransferInfo(values: InfoAnswers, tls: { version: string; cipher: string } | undefined): TransferInfo {
  const a = ALL.record(values);
  const n = (name: keyof typeof a) => (a[name] as number | null) ?? 0;
  const s = (name: keyof typeof a) => (a[name] as string | null) ?? '';
  const ms = (name: keyof typeof a) => n(name) / 1000;
  return {
    url: s('EFFECTIVE_URL'),
    status: n('RESPONSE_CODE'),
    httpVersion: VERSIONS[n('HTTP_VERSION')] ?? '',
    primaryIp: s('PRIMARY_IP'),
    primaryPort: n('PRIMARY_PORT'),
    localIp: s('LOCAL_IP'),
    localPort: n('LOCAL_PORT'),
    redirectCount: n('REDIRECT_COUNT'),
    timings: {
      nameLookup: ms('NAMELOOKUP_TIME_T'),
      connect: ms('CONNECT_TIME_T'),
      tls: ms('APPCONNECT_TIME_T'),
      pretransfer: ms('PRETRANSFER_TIME_T'),
      firstByte: ms('STARTTRANSFER_TIME_T'),
      total: ms('TOTAL_TIME_T'),
      redirect: ms('REDIRECT_TIME_T'),
    },
    bytes: { downloaded: n('SIZE_DOWNLOAD_T'), uploaded: n('SIZE_UPLOAD_T'), headers: n('HEADER_SIZE') },
    tls: tls && { ...tls, verifyResult: n('SSL_VERIFYRESULT') },
  };
}
