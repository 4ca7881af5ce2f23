// SPDX-License-Identifier: MIT
// libcurl-wasm/cli: a curl command line run in this process, no child process:
// the curl-wasm tool (wasm/curl.wasm) in a worker thread, its sockets on this
// thread's event loop, its stdin, stdout and stderr in memory (files of a
// scratch directory, removed afterwards).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { runTool } from './tool/host.js';

export interface CurlOptions {
  /** what the tool reads on stdin (`-d @-`, `-T -`, `-K -`): bytes or text, or a file's path as `{ path }`; empty when absent */
  stdin?: Uint8Array | string | { path: string };
  /**
   * Files the command line names, as bytes or text: written under a fresh
   * working directory for this run (removed afterwards), which `cwd` then may
   * not name. What the tool writes there (`-o`, `-c`, `-D`) comes back in
   * {@link CurlResult.files}.
   */
  files?: Record<string, Uint8Array | string>;
  /** the working directory relative paths resolve against @defaultValue process.cwd() */
  cwd?: string;
  /** the tool's whole environment (curl reads http_proxy, CURL_CA_BUNDLE, HOME…) @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

export interface CurlResult {
  /** curl's exit code: 0, or its CURLcode (7 could not connect, 22 HTTP error with -f…); 70 if the wasm trapped */
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** stdout decoded as UTF-8 */
  text(): string;
  /** stderr decoded as UTF-8 */
  errorText(): string;
  /** with `files`: every file in the run's working directory afterwards, by relative path */
  files: Record<string, Uint8Array>;
}

function listFiles(dir: string, base = dir, out: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, base, out);
    else out[relative(base, path)] = new Uint8Array(readFileSync(path));
  }
  return out;
}

/**
 * Runs a curl command line (the arguments after `curl`) in-process and
 * resolves with its exit code and output; a failed transfer is an exit code,
 * never a rejection.
 *
 * @example const r = await curl(['-sS', '-H', 'Accept: application/json', url]); JSON.parse(r.text())
 * @see https://curl.se/docs/manpage.html
 */
export function curl(args: readonly string[], options?: CurlOptions): Promise<CurlResult>;
/**
 * The tagged-template form: curl\`-sS -H ${header} ${url}\`. The literal text
 * is split on whitespace (no shell: quotes and backslashes are not
 * interpreted); each interpolated value is one argument whole, spaces and all
 * (an array, several), glued to literal text that touches it.
 */
export function curl(strings: TemplateStringsArray, ...values: unknown[]): Promise<CurlResult>;
export function curl(first: readonly string[] | TemplateStringsArray, ...rest: unknown[]): Promise<CurlResult> {
  if ('raw' in first && Array.isArray(first.raw)) return run(templateArgs(first, rest), {});
  return run(first, (rest[0] as CurlOptions | undefined) ?? {});
}

/** The arguments of a tagged template (see curl). */
export function templateArgs(strings: readonly string[], values: readonly unknown[]): string[] {
  const args: string[] = [];
  let current: string | undefined; // the argument being built, if any
  const flush = () => {
    if (current !== undefined) args.push(current);
    current = undefined;
  };
  strings.forEach((text, i) => {
    const words = text.split(/\s+/);
    words.forEach((word, j) => {
      if (j > 0) flush();
      if (word) current = (current ?? '') + word;
    });
    if (i < values.length) {
      const value = values[i];
      if (Array.isArray(value)) {
        value.forEach((v, k) => {
          if (k > 0) flush();
          current = (current ?? '') + String(v);
        });
      } else {
        current = (current ?? '') + String(value);
      }
    }
  });
  flush();
  return args;
}

async function run(args: readonly string[], options: CurlOptions): Promise<CurlResult> {
  if (options.files && options.cwd !== undefined) throw new TypeError('curl(): `files` makes a working directory of its own; leave out `cwd`');
  const scratch = mkdtempSync(join(tmpdir(), 'curl-wasm-'));
  try {
    let cwd = resolve(options.cwd ?? process.cwd());
    if (options.files) {
      cwd = join(scratch, 'cwd');
      for (const [name, body] of Object.entries(options.files)) {
        const path = resolve(cwd, name);
        if (relative(cwd, path).startsWith('..')) throw new TypeError(`curl(): file name outside the working directory: ${name}`);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, body);
      }
      mkdirSync(cwd, { recursive: true });
    }
    const stdin = options.stdin;
    let stdinPath = join(scratch, 'stdin');
    if (stdin !== undefined && typeof stdin === 'object' && 'path' in stdin) stdinPath = resolve(cwd, stdin.path);
    else writeFileSync(stdinPath, stdin ?? '');
    const [outPath, errPath] = [join(scratch, 'stdout'), join(scratch, 'stderr')];
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
    env.PWD = cwd; // the tool resolves relative paths against PWD (wasm/tool/fs.c)
    const errors: string[] = [];
    const stdio: [string, string, string] = [stdinPath, outPath, errPath];
    const exitCode = await runTool({ args: [...args], env, stdio, onError: (m) => errors.push(`curl-wasm: ${m}\n`) });
    const read = (path: string) => (existsSync(path) ? readFileSync(path) : Buffer.alloc(0));
    const stdout = new Uint8Array(read(outPath));
    const stderr = new Uint8Array(Buffer.concat([read(errPath), Buffer.from(errors.join(''))]));
    const files = options.files ? listFiles(cwd) : {};
    const decoder = new TextDecoder();
    return { exitCode, stdout, stderr, files, text: () => decoder.decode(stdout), errorText: () => decoder.decode(stderr) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
