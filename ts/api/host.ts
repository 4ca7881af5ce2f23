// SPDX-License-Identifier: MIT
// The one door from ts/api/ down to ts/host/: what the high-level API needs
// of the instance (Runtime), the bridge (policy judges, socket readiness),
// the error base and the worker loader. Nothing here knows a pointer.
export { defaultRuntime, compileLibcurl, Runtime, type RuntimeOptions, type WasmSource } from '../host/runtime.js';
export { LibcurlWasmError, registerError, WasmLoadError } from '../host/errors.js';
export { NetworkPolicy, PolicyDenied, type NetworkPolicyOptions } from '../host/policy.js';
export { ERRNO } from '../host/errno.js';
export type { LookupFunction } from '../host/dns.js';
export { POLL, TcpSocket, type SocketTable, type TrafficSocket } from '../host/sockets.js';
export { ipToBytes } from '../host/sockaddr.js';
export { tsxWorkerSource } from '../host/dev-worker.js';
export { RUNTIME_CA } from '../host/abi.js';
