// SPDX-License-Identifier: MIT
// Cross-module internals of the binding, kept off the public surface.
export const kPtr = Symbol('libcurl-wasm.ptr');
export const kRuntime = Symbol('libcurl-wasm.runtime');
export const kTakeCallbackError = Symbol('libcurl-wasm.takeCallbackError');
export const kErrorDetail = Symbol('libcurl-wasm.errorDetail');
export const kPrepare = Symbol('libcurl-wasm.prepare');
/** Multi: the fewest connections its pool keeps while it follows the load (a Session's floor). */
export const kMinConnects = Symbol('libcurl-wasm.minConnects');
/** An Easy's host-side relay id (what curl's callbacks name it by). */
export const kRelayId = Symbol('libcurl-wasm.relayId');
/** The Multi an Easy is added to, so that Easy.close() removes it first. */
export const kMulti = Symbol('libcurl-wasm.multi');
/** Wraps a handle curl made itself (a pushed stream's duplicate). */
export const kAdopt = Symbol('libcurl-wasm.adopt');
/** Drops the host side of a handle curl has freed itself. */
export const kForget = Symbol('libcurl-wasm.forget');
/** A WorkerPool's live Worker objects (tests end one to check how the pool survives a dead worker). */
export const kPoolWorkers = Symbol('libcurl-wasm.poolWorkers');
/** Easy: where whole response heads go (a HeadSink), beside any HEADERFUNCTION. */
export const kHeadSink = Symbol('libcurl-wasm.headSink');
/** Sandbox: how many transfers it tracks in flight (tests check each is let go when it ends). */
export const kInflight = Symbol('libcurl-wasm.inflight');
/** Multi: run() with a settler instead of a promise (ts/curl/multi-driver.ts). */
export const kStart = Symbol('libcurl-wasm.start');
