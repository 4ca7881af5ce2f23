// SPDX-License-Identifier: MIT
// libcurl-wasm/cli: a curl command line run in this process, no child process:
// the curl-wasm tool (wasm/curl.wasm) in a worker thread, its sockets on this
// thread's event loop, its stdin, stdout and stderr in memory (files of a
// scratch directory, removed afterwards).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { CURLE } from './curl/generated/codes.js';
import { runTool } from './tool/host.js';
import { sandboxArgs, sandboxEnv, type ToolPolicy } from './tool/sandboxed.js';

/** What curl() needs of a sandbox: pass a `Sandbox` from 'libcurl-wasm'. */
export interface CurlSandbox {
  readonly policy: object;
  readonly limits: object;
  /** @internal */
  toolPolicy(): object;
}

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
  /** the tool's whole environment (curl reads http_proxy, CURL_CA_BUNDLE, HOME…) @defaultValue process.env; none under a sandbox */
  env?: Record<string, string | undefined>;
  /**
   * Run the command line under a Sandbox's rules, for a command line nobody
   * vetted: every connect, lookup and datagram judged by its policy (a
   * denied one fails as curl fails to connect or resolve: exit 7 or 6); its
   * protocols, and the lower of each `--next` group's own and its
   * maxRedirects, timeoutMs and maxBodyBytes, appended as `--proto`,
   * `--proto-redir`, `--max-redirs`, `--max-time` and `--max-filesize`
   * (the worker ended at the deadline and a second's grace: exit 28); the
   * decoded body and the response heads counted in the tool against
   * maxBodyBytes and maxHeaderBytes (exit 23); its wire-byte limits and
   * maxConnections counted for the run; the tool's memory capped at
   * maxMemoryBytes. A limit crossed is a LimitExceeded in
   * {@link CurlResult.refused}. Each group's URLs and `-H` fields past
   * maxUrlBytes, maxRequestHeaders or maxRequestHeaderBytes reject with
   * LimitExceeded before anything runs; the tool checks each transfer's
   * final URL and fields again as it sets it up (after variables, globbing,
   * `--url-query`, `--json`), and refuses one past them (exit 43, the
   * LimitExceeded or TypeError in {@link CurlResult.refused}). A `--retry`
   * attempt's body and heads are counted on their own. No filesystem but the run's own
   * working directory (empty, or `files`): `/` is that directory, so `-o`,
   * `-T`, `-d @file` and `-b` reach nothing else; no `.curlrc` (`-q`). No
   * environment but `env` (proxy variables dropped). Options that would
   * route connections past the policy (`-x`/`--proxy`, `--preproxy`,
   * `--socks*`, `--resolve`, `--connect-to`, `--doh-url`, `--unix-socket`,
   * `-K`/`--config`) reject with a TypeError before anything runs.
   */
  sandbox?: CurlSandbox;
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
  /** with `files` or a sandbox: every file in the run's working directory afterwards, by relative path */
  files: Record<string, Uint8Array>;
  /** under a sandbox: what it refused or cut, in order (PolicyDenied, LimitExceeded, or a TypeError for a header field the run made invalid); empty otherwise */
  refused: Error[];
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
 * A curl command line runner: `curl(args, options?)`, the tagged-template
 * form, and `curl.with(options)` for a runner with options of its own.
 */
export interface CurlFunction {
  /**
   * Runs a curl command line (the arguments after `curl`) in-process and
   * resolves with its exit code and output; a failed transfer is an exit
   * code, never a rejection. `options` go over the runner's own
   * ({@link CurlFunction.with}).
   *
   * @example const r = await curl(['-sS', '-H', 'Accept: application/json', url]); JSON.parse(r.text())
   * @see https://curl.se/docs/manpage.html
   */
  (args: readonly string[], options?: CurlOptions): Promise<CurlResult>;
  /**
   * The tagged-template form: curl\`-sS -H ${header} ${url}\`. The literal
   * text is split on whitespace (no shell: quotes and backslashes are not
   * interpreted); each interpolated value is one argument whole, spaces and
   * all (an array, several), glued to literal text that touches it. Runs
   * with the runner's options.
   */
  (strings: TemplateStringsArray, ...values: unknown[]): Promise<CurlResult>;
  /**
   * A runner with these options (over this one's) for every run, in either
   * form: `curl.with({ sandbox })\`-sS ${url}\`` runs a command line under a
   * Sandbox.
   */
  with(options: CurlOptions): CurlFunction;
}

/** A runner's options with a run's over them; an option left undefined keeps the runner's, and a runner's sandbox is never lifted. */
function merge(bound: CurlOptions, options: CurlOptions | undefined): CurlOptions {
  const out: Record<string, unknown> = { ...bound };
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) out[k] = v;
  if (bound.sandbox && out.sandbox !== bound.sandbox) throw new TypeError('curl(): a runner made with a sandbox runs under that sandbox only');
  return out as CurlOptions;
}

function runner(bound: CurlOptions): CurlFunction {
  const fn = async (first: readonly string[] | TemplateStringsArray, ...rest: unknown[]): Promise<CurlResult> => {
    if ('raw' in first && Array.isArray(first.raw)) return run(templateArgs(first, rest), bound);
    return run(first, merge(bound, rest[0] as CurlOptions | undefined));
  };
  return Object.assign(fn, { with: (options: CurlOptions) => runner(merge(bound, options)) }) as CurlFunction;
}

/**
 * Runs a curl command line in-process: `await curl(['-sS', url])`,
 * curl\`-sS ${url}\`, or under a Sandbox, `curl(args, { sandbox })` and
 * `curl.with({ sandbox })\`-sS ${url}\``. See {@link CurlFunction}.
 */
export const curl: CurlFunction = runner({});

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

/** A file a sandboxed run would read (`-H @file`): from `files` (its / is their directory) or `stdin`; undefined when absent. */
function runFile(name: string, options: CurlOptions): string | undefined {
  const decode = (v: Uint8Array | string) => (typeof v === 'string' ? v : new TextDecoder().decode(v));
  if (name === '-') return options.stdin === undefined || (typeof options.stdin === 'object' && 'path' in options.stdin) ? undefined : decode(options.stdin);
  const path = posix.normalize(`/${name}`).slice(1);
  for (const [k, v] of Object.entries(options.files ?? {})) if (posix.normalize(`/${k}`).slice(1) === path) return decode(v);
  return undefined;
}

async function run(args: readonly string[], options: CurlOptions): Promise<CurlResult> {
  const sandboxed = options.sandbox !== undefined;
  if ((options.files || sandboxed) && options.cwd !== undefined)
    throw new TypeError('curl(): `files` and `sandbox` make a working directory of their own; leave out `cwd`');
  // under a sandbox: the command line checked, its rules appended, before anything is made
  if (sandboxed && typeof options.sandbox?.toolPolicy !== 'function') throw new TypeError("curl(): options.sandbox must be a Sandbox from 'libcurl-wasm'");
  const policy = sandboxed ? (options.sandbox!.toolPolicy() as ToolPolicy) : undefined;
  const sandboxedLine = policy ? sandboxArgs(args, policy, (file) => runFile(file, options)) : undefined;
  const argv = sandboxedLine?.args ?? [...args];
  const scratch = mkdtempSync(join(tmpdir(), 'curl-wasm-'));
  try {
    let cwd = resolve(options.cwd ?? process.cwd());
    if (options.files || sandboxed) {
      cwd = join(scratch, 'cwd');
      for (const [name, body] of Object.entries(options.files ?? {})) {
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
    let env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? (sandboxed ? {} : process.env))) if (v !== undefined) env[k] = v;
    if (sandboxed) env = sandboxEnv(env);
    // the tool resolves relative paths against PWD (wasm/tool/fs.c); a sandboxed run's / is its working directory
    env.PWD = sandboxed ? '/' : cwd;
    const errors: string[] = [];
    const stdio: [string, string, string] = [stdinPath, outPath, errPath];
    const run = { args: argv, env, stdio, root: sandboxed ? cwd : undefined, limits: policy?.limits, onError: (m: string) => errors.push(`curl-wasm: ${m}\n`) };
    const exitCode = await runTool(run, policy);
    // CURLE_FILESIZE_EXCEEDED under the sandbox's --max-filesize: its maxBodyBytes, as request() says
    if (exitCode === CURLE.CURLE_FILESIZE_EXCEEDED && sandboxedLine?.bodyCapped) policy!.exceeded('maxBodyBytes');
    for (const e of policy?.refused ?? []) errors.push(`curl-wasm: ${e.message}\n`);
    const read = (path: string) => (existsSync(path) ? readFileSync(path) : Buffer.alloc(0));
    const stdout = new Uint8Array(read(outPath));
    const stderr = new Uint8Array(Buffer.concat([read(errPath), Buffer.from(errors.join(''))]));
    const files = options.files || sandboxed ? listFiles(cwd) : {};
    const decoder = new TextDecoder();
    const refused = [...(policy?.refused ?? [])];
    return { exitCode, stdout, stderr, files, refused, text: () => decoder.decode(stdout), errorText: () => decoder.decode(stderr) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
