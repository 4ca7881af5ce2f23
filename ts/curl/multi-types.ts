// SPDX-License-Identifier: MIT
// The shapes Multi's calls take and answer: CURLMsg, curl_waitfd, fd sets,
// and the callback signatures of the CURLMOPT_* function options.
import type { CurlEasyError } from './errors.js';
import type { CurlCodeName } from './generated/codes.js';
import type { CURLMSG } from './generated/enums.js';
import type { Easy } from './easy.js';
import type { MultiOptionName } from './generated/options.js';

/** curl_waitfd's event bits, from include/curl/multi.h (not generated: they are #defines without a prefix table). */
export const CURL_WAIT_POLLIN = 0x0001;
export const CURL_WAIT_POLLPRI = 0x0002;
export const CURL_WAIT_POLLOUT = 0x0004;

/** CURLMOPT_PUSHFUNCTION answers, from include/curl/multi.h. */
export const CURL_PUSH = { CURL_PUSH_OK: 0, CURL_PUSH_DENY: 1, CURL_PUSH_ERROROUT: 2 } as const;

/** A CURLMSG value (`CURLMSG.CURLMSG_DONE` is the only one curl defines). */
export type CurlMsgType = (typeof CURLMSG)[keyof typeof CURLMSG];

/**
 * struct CURLMsg, from curl_multi_info_read. `msg` is the number curl
 * reports, so `m.msg === CURLMSG.CURLMSG_DONE` holds as in C.
 */
export interface CurlMsg {
  readonly msg: CurlMsgType;
  /** The handle it concerns (`easy_handle` in C). */
  readonly easy: Easy;
  /** `data.result`: the transfer's CURLcode (0 is success). */
  readonly result: number;
  /** Its name, e.g. `CURLE_OK`, `CURLE_COULDNT_CONNECT`. */
  readonly code: CurlCodeName;
  /** The typed error for a failed transfer; its `cause` is what a callback threw. */
  readonly error: CurlEasyError | undefined;
  /** The `*msgs_in_queue` out-parameter: messages still queued after this one. */
  readonly msgsInQueue: number;
}

/** @deprecated the name before CurlMsg; the same type. */
export type DoneMessage = CurlMsg;

/**
 * struct curl_waitfd: an extra descriptor for wait()/poll(), whose
 * `revents` the call fills in (CURL_WAIT_POLL* bits).
 */
export interface WaitFd {
  fd: number;
  events: number;
  revents?: number;
}

/** Descriptors curl wants watched, as curl_multi_fdset reports them. */
export interface FdSet {
  read: number[];
  write: number[];
  except: number[];
  maxFd: number;
}

/**
 * CURLMOPT_SOCKETFUNCTION: curl says what to watch on `fd` (CURL_POLL_*).
 * `socketp` is what assign() attached to `fd`. Answer 0 (or nothing); -1
 * (or an exception, rethrown from the curl call it ran in) makes curl fail
 * with CURLM_ABORTED_BY_CALLBACK.
 * @see https://curl.se/libcurl/c/CURLMOPT_SOCKETFUNCTION.html
 */
export type SocketCallback = (easy: Easy | undefined, fd: number, what: number, clientp: unknown, socketp: unknown) => number | void;

/**
 * CURLMOPT_TIMERFUNCTION: call socketAction(CURL_SOCKET_TIMEOUT, 0) in
 * `timeoutMs` (-1: delete the timer). Answer 0 (or nothing); -1 (or an
 * exception) makes curl fail with CURLM_ABORTED_BY_CALLBACK.
 * @see https://curl.se/libcurl/c/CURLMOPT_TIMERFUNCTION.html
 */
export type TimerCallback<M = unknown> = (multi: M, timeoutMs: number, clientp: unknown) => number | void;

/** The headers of a pushed stream, readable only during the push callback. */
export interface PushHeaders {
  /** curl_pushheader_bynum: the `num`th header as `name:value`, or null. */
  byNum(num: number): string | null;
  /** curl_pushheader_byname: the value of `name` (`:path`, `:authority`…), or null. */
  byName(name: string): string | null;
}

/**
 * CURLMOPT_PUSHFUNCTION: an HTTP/2 server push of `easy` (a duplicate of
 * `parent`, not yet added). Answer CURL_PUSH_OK to accept it (curl adds it to
 * the multi), CURL_PUSH_DENY to refuse.
 * @see https://curl.se/libcurl/c/CURLMOPT_PUSHFUNCTION.html
 */
export type PushCallback = (parent: Easy, easy: Easy, numHeaders: number, headers: PushHeaders, clientp: unknown) => number;

/** The value each CURLMOPT_* option takes from JavaScript. */
export interface MultiOptionValues<M = unknown> {
  SOCKETFUNCTION: SocketCallback | null;
  SOCKETDATA: unknown;
  TIMERFUNCTION: TimerCallback<M> | null;
  TIMERDATA: unknown;
  PUSHFUNCTION: PushCallback | null;
  PUSHDATA: unknown;
  PIPELINING: number;
  MAXCONNECTS: number;
  MAX_HOST_CONNECTIONS: number;
  MAX_PIPELINE_LENGTH: number;
  CONTENT_LENGTH_PENALTY_SIZE: number | bigint;
  CHUNK_LENGTH_PENALTY_SIZE: number | bigint;
  PIPELINING_SITE_BL: readonly string[] | null;
  PIPELINING_SERVER_BL: readonly string[] | null;
  MAX_TOTAL_CONNECTIONS: number;
  MAX_CONCURRENT_STREAMS: number;
}

/** Every CURLMOPT_* option has a typed value here, and nothing else does. */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const MULTI_VALUES_COVER_OPTIONS: Exact<keyof MultiOptionValues, MultiOptionName> = true;

/** Any accepted spelling of a multi option. */
export type MultiOptionKey<K extends MultiOptionName = MultiOptionName> = K | `CURLMOPT_${K}`;
