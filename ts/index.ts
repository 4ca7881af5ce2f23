// SPDX-License-Identifier: MIT
// libcurl-wasm: libcurl in WebAssembly, driven from TypeScript.
export { Runtime, compileLibcurl, defaultRuntime, type RuntimeOptions, type TlsBackend, type WasmSource } from './host/runtime.js';
export {
  builtinWasi,
  nodeWasi,
  wasmerWasi,
  ProcessExit,
  type WasiProvider,
  type BuiltinWasiOptions,
  type WasiImports,
  type WasiFunction,
} from './host/wasi.js';
export type { LookupFunction, LookupAddress, LookupError } from './host/dns.js';
export { Easy, SharedBlob, type OptionValue, type InfoValue, type ShareLike } from './curl/easy.js';
export type {
  BytesLike,
  Cloneable,
  CurlOptions,
  CloneableCurlOptions,
  EasyValue,
  InfoResult,
  EasyOptionKey,
  EasyOptionNameOf,
  EasyOptionValue,
  EasyOptionValues,
  InfoKey,
  InfoNameOf,
  InfoValueOf,
  InfoValues,
  KeysTo,
  NonNeverKeys,
  PrivateValue,
  ReadableInfoName,
  SettableOptionName,
} from './curl/option-types.js';
export type {
  WriteCallback,
  ReadCallback,
  SeekCallback,
  ProgressCallback,
  DebugCallback,
  Callbacks,
  CallbackName,
  BindingOwned,
} from './curl/easy-callbacks.js';
export { BINDING_OWNED } from './curl/easy-callbacks.js';
export { Multi } from './curl/multi.js';
export { select, SocketPoll, EventFd } from './curl/select.js';
export {
  CURL_WAIT_POLLIN,
  CURL_WAIT_POLLPRI,
  CURL_WAIT_POLLOUT,
  CURL_PUSH,
  type CurlMsg,
  type CurlMsgType,
  type DoneMessage,
  type FdSet,
  type WaitFd,
  type SocketCallback,
  type TimerCallback,
  type PushCallback,
  type PushHeaders,
  type MultiOptionValues,
  type MultiOptionKey,
} from './curl/multi-types.js';
export { Share, SHARE_DATA, type ShareData } from './curl/share.js';
export { LibcurlWasmError, WasmLoadError } from './host/errors.js';
export { CurlError, CurlEasyError, CurlMultiError, CurlShareError, type CurlErrorKind } from './curl/errors.js';
export * from './curl/generated/codes.js';
export * from './curl/generated/enums.js';
export {
  EASY_OPTIONS,
  EASY_OPTION_ALIASES,
  MULTI_OPTIONS,
  type EasyOptionName,
  type MultiOptionName,
  type OptionSpec,
  type OptionType,
} from './curl/generated/options.js';
export { INFOS, INFO_ALIASES, type InfoName, type InfoSpec, type InfoType } from './curl/generated/infos.js';
export { EASY_OPTION_CAMEL, INFO_CAMEL, type EasyOptionCamelName, type InfoCamelName } from './curl/generated/names.js';
export { fetch, fetchOn, type CurlRequestInit } from './api/fetch.js';
export { request, requestOn, CurlResponse, type RequestOptions, type NodeReadable } from './api/request.js';
export { Session, defaultSession, type SessionOptions, type ProxyOptions, type RetryOptions } from './api/session.js';
export { CookieJar, type Cookie } from './api/cookies.js';
export type { ResponseHead } from './api/head.js';
export type { TransferInfo, Timings } from './api/info.js';
export type { Progress, RedirectMode, TransferLimits } from './api/transfer.js';
export { WsConnection, type WsConnectOptions, type WsMessage, type WsFrameType, type WsCloseInfo } from './api/websocket/connection.js';
export {
  ws,
  wsConnect,
  WebSocket,
  CloseEvent,
  type CloseEventInit,
  type WebSocketOptions,
  type BinaryType,
  type Handler as WebSocketHandler,
} from './api/websocket/websocket.js';
export type { WsFrameMeta } from './curl/easy.js';
export { Sandbox, SandboxDestroyed, type SandboxOptions, type SandboxLimits } from './api/sandbox.js';
export { WorkerPool, WorkerPoolError, type WorkerPoolErrorCode, type WorkerPoolOptions, type PoolResponse } from './api/pool/pool.js';
export type { PoolRequestOptions, PoolFetchInit, PoolSessionOptions, CloneableOption } from './api/pool/wire.js';
export { NetworkPolicy, PolicyDenied, type NetworkPolicyOptions } from './host/policy.js';
export { LimitExceeded } from './api/transfer.js';
