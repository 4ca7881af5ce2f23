// SPDX-License-Identifier: MIT
// The one door from ts/api/ down to ts/host/: what the high-level API needs
// of the instance (Runtime), the bridge (policy judges, socket readiness),
// the error base and the worker loader. Nothing here knows a pointer.
export { defaultRuntime, compileLibcurl, Runtime, type RuntimeOptions, type WasmSource } from '../host/runtime.js';
export { LibcurlWasmError, registerError, WasmLoadError } from '../host/errors.js';
export { NetworkPolicy, PolicyDenied, type NetworkPolicyOptions } from '../host/policy.js';
export { ERRNO } from '../host/errno.js';
export type { LookupFunction } from '../host/dns.js';
export { POLL, type TrafficSocket } from '../host/sockets.js';
export { tsxWorkerSource } from '../host/dev-worker.js';
