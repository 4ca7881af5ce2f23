// SPDX-License-Identifier: MIT
// curl-wasm's stdin, stdout and stderr on Node, Deno and Bun, as each is run
// (README: `npx curl-wasm`, `deno run -A`, `bunx`): the built command
// (dist/curl-wasm.mjs) in a child process whose descriptors are a pipe, a
// socket, a file, /dev/null or a terminal (util-linux's `script`). curl asks
// whether stdout is a terminal before writing a binary body and to hide its
// progress meter: a pipe once read as a terminal on Deno and Bun (regression:
// `curl-wasm URL | cat` wrote no body, exit 23).
import { execFileSync, spawn, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../fixtures/build.js';
import { patternBytes, sha256, startHttpServer } from '../fixtures/servers.js';
import { scratchDir, serversForFile } from '../fixtures/per-file.js';

ensureBuilt();
const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(root, 'dist', 'curl-wasm.mjs');
const RUNTIMES: Record<string, string[]> = {
  node: [process.execPath, CLI],
  deno: [join(root, 'node_modules/.bin/deno'), 'run', '-A', CLI],
  bun: [join(root, 'node_modules/.bin/bun'), CLI],
};
const ENV = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' };

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `file args` with the given stdio (a 'pipe' is read here: a socket pair, as libuv makes it). */
function run(file: string, args: string[], stdio: StdioOptions = ['ignore', 'pipe', 'pipe'], input?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: ENV, stdio });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin?.end(input);
  });
}

/** `sh -c SCRIPT` with the tool's command line as "$@": the shell makes real pipes (pipe(2)) and redirections. */
const sh = (script: string, tool: string[], ...args: string[]) => run('sh', ['-c', script, 'sh', ...args, ...tool]);

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const { http } = await serversForFile({ http: startHttpServer });
const dir = scratchDir('curl-wasm-stdio-');
const binary = patternBytes(3000); // byte 0 is NUL: curl's binary-output check sees it
const BINARY_WARNING = /Warning: Binary output can mess up your terminal/;

describe.each(Object.keys(RUNTIMES))('curl-wasm on %s', (name) => {
  const tool = RUNTIMES[name]!;
  const cli = (...args: string[]) => [...tool, ...args];

  it('a binary body down a pipe (`| cat`) and to a socket arrives byte for byte, with no warning', async () => {
    const piped = await sh('"$@" | cat', cli(`${http.url}/bytes/3000`));
    expect(piped.stderr).not.toMatch(BINARY_WARNING);
    expect(piped.stdout.equals(binary)).toBe(true);
    // stdout read here (a socket pair): the tool's own exit code and stderr
    const socket = await run(tool[0]!, [...tool.slice(1), '-sS', `${http.url}/bytes/3000`]);
    expect(socket.stderr).toBe('');
    expect(socket.code).toBe(0);
    expect(socket.stdout.equals(binary)).toBe(true);
  });

  it('a text body to a pipe: the body, no warning, the progress meter on stderr', async () => {
    const r = await sh('"$@" | cat', cli(`${http.url}/hello`));
    expect(r.stdout.toString()).toBe('hello world');
    expect(r.stderr).not.toMatch(/Warning/);
    // stdout no terminal: curl shows its progress meter (on Deno and Bun once missing
    // for a transfer in the tool's first second: their monotonic clock started at 0)
    expect(r.stderr).toMatch(/^ {2}% Total {4}% Received % Xferd/);
  });

  it('stdout redirected to a file, and to /dev/null (a character device but no terminal)', async () => {
    const out = join(dir, `${name}-out.bin`);
    const r = await sh('o=$1; shift; "$@" > "$o"', cli('-sS', `${http.url}/bytes/3000`), out);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(out).equals(binary)).toBe(true);
    const nul = await run(tool[0]!, [...tool.slice(1), '-sS', `${http.url}/bytes/3000`], ['ignore', 'ignore', 'pipe']);
    expect(nul.stderr).toBe('');
    expect(nul.code).toBe(0);
  });

  it('stdin from a pipe and from a file: -T -, --data-binary @-, -F name=@-', async () => {
    const body = patternBytes(100_000);
    const file = join(dir, `${name}-in.bin`);
    writeFileSync(file, body);
    const want = { length: body.length, sha256: sha256(body) };
    for (const opt of [
      ['-T', '-'],
      ['--data-binary', '@-'],
    ]) {
      const piped = await sh('f=$1; shift; cat "$f" | "$@"', cli('-sS', ...opt, `${http.url}/upload-sha256`), file);
      expect(piped.stderr).toBe('');
      expect(JSON.parse(piped.stdout.toString())).toMatchObject(want);
      const fd = openSync(file, 'r');
      try {
        const redirected = await run(tool[0]!, [...tool.slice(1), '-sS', ...opt, `${http.url}/upload-sha256`], [fd, 'pipe', 'pipe']);
        expect(redirected.stderr).toBe('');
        expect(JSON.parse(redirected.stdout.toString())).toMatchObject(want);
      } finally {
        closeSync(fd);
      }
    }
    // -F: a regular stdin is read in place (its size from fstat), any other is read into memory first
    const text = 'a form part from stdin\n';
    const textFile = join(dir, `${name}-part.txt`);
    writeFileSync(textFile, text);
    const fd = openSync(textFile, 'r');
    try {
      for (const stdin of [fd, 'pipe'] as const) {
        const r = await run(
          tool[0]!,
          [...tool.slice(1), '-sS', '-F', 'part=@-', `${http.url}/inspect`],
          [stdin, 'pipe', 'pipe'],
          stdin === 'pipe' ? Buffer.from(text) : undefined,
        );
        expect(r.stderr).toBe('');
        const sent = JSON.parse(r.stdout.toString()) as { body: string };
        expect(sent.body).toContain(`Content-Disposition: form-data; name="part"; filename="-"\r\n\r\n${text}\r\n`);
      }
    } finally {
      closeSync(fd);
    }
  });

  it.skipIf(!hasScript)(
    "a binary body to a terminal (script's pseudo-terminal) still gets curl's warning, exit 23; a text body no progress meter",
    async () => {
      const command = cli(`${http.url}/bytes/3000`).map(quote).join(' ');
      const r = await run('script', ['-qec', command, '/dev/null'], ['ignore', 'pipe', 'pipe']);
      expect(r.stdout.toString()).toMatch(BINARY_WARNING);
      expect(r.code).toBe(23);
      // a terminal on stdout hides the progress meter (stderr is the same terminal)
      const text = await run('script', ['-qec', cli(`${http.url}/hello`).map(quote).join(' '), '/dev/null'], ['ignore', 'pipe', 'pipe']);
      expect(text.code).toBe(0);
      expect(text.stdout.toString()).toBe('hello world');
    },
  );
});

it('the runtimes are there (devDependencies)', () => {
  for (const [name, [bin]] of Object.entries(RUNTIMES)) expect(existsSync(bin!), name).toBe(true);
});
