// SPDX-License-Identifier: MIT
// The one error funnel: every CURLcode, CURLMcode and CURLSHcode from wasm
// passes through check(), and nothing else constructs these errors.
import { curlCodeName, curlMultiCodeName, curlShareCodeName } from './generated/codes.js';
import { LibcurlWasmError, registerError } from '../host/errors.js';
import type { Runtime } from '../host/runtime.js';

export type CurlErrorKind = 'easy' | 'multi' | 'share';

/**
 * A failure libcurl reported. `code` is the C name (`CURLE_COULDNT_CONNECT`),
 * `curlCode` the number, `message` curl's own text (the detailed error
 * buffer when curl filled it).
 */
export class CurlError extends LibcurlWasmError {
  declare readonly code: string;
  readonly curlCode: number;
  readonly kind: CurlErrorKind;

  constructor(kind: CurlErrorKind, curlCode: number, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.kind = kind;
    this.curlCode = curlCode;
  }
}

/** A CURLcode from an easy handle or a finished transfer. */
export class CurlEasyError extends CurlError {}
/** A CURLMcode from a multi handle. */
export class CurlMultiError extends CurlError {}
/** A CURLSHcode from a share handle. */
export class CurlShareError extends CurlError {}

registerError(CurlError, 'CurlError');
registerError(CurlEasyError, 'CurlEasyError');
registerError(CurlMultiError, 'CurlMultiError');
registerError(CurlShareError, 'CurlShareError');

const FUNNEL = {
  easy: { cls: CurlEasyError, name: curlCodeName, strerror: 'curl_easy_strerror' },
  multi: { cls: CurlMultiError, name: curlMultiCodeName, strerror: 'curl_multi_strerror' },
  share: { cls: CurlShareError, name: curlShareCodeName, strerror: 'curl_share_strerror' },
} as const;

/** curl's text for a code, from the module itself. */
export function strerror(rt: Runtime, kind: CurlErrorKind, code: number): string {
  return rt.heap.cstring(rt.exports[FUNNEL[kind].strerror](code)) ?? `unknown ${kind} code ${code}`;
}

/** Builds the error for a failing code (used by check and by DONE results). */
export function curlError(rt: Runtime, kind: CurlErrorKind, code: number, detail?: string, cause?: unknown): CurlError {
  const { cls, name } = FUNNEL[kind];
  // curl's TLS backends end some messages with a newline: an error message does not
  const message = (detail || strerror(rt, kind, code)).trimEnd();
  return new cls(kind, code, name(code) ?? `${kind.toUpperCase()}_${code}`, message, cause === undefined ? undefined : { cause });
}

/**
 * The copy of a CurlError that crossed a thread (WorkerPool): the same class,
 * `code`, `curlCode` and curl's text, rebuilt from its parts.
 */
export function reviveCurlError(kind: CurlErrorKind, curlCode: number, code: string, message: string, cause?: unknown): CurlError {
  return new FUNNEL[kind].cls(kind, curlCode, code, message, cause === undefined ? undefined : { cause });
}

/**
 * Returns when `code` is 0 (or CURLM_CALL_MULTI_PERFORM, which is not a
 * failure), throws the typed error otherwise.
 */
export function check(rt: Runtime, kind: CurlErrorKind, code: number, detail?: string, cause?: unknown): void {
  if (code === 0 || (kind === 'multi' && code === -1)) return;
  throw curlError(rt, kind, code, detail, cause);
}
