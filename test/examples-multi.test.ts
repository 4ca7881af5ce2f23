// SPDX-License-Identifier: MIT
// curl's multi examples, ported to examples/multi/: each runs as
// `tsx examples/multi/NAME.ts URL...` in a child process, pointed at
// loopback servers, must exit 0 by itself and print what shows it did what
// its C original does. A port without an entry here fails the suite.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFtpServer, type FtpTestServer } from './fixtures/ftp.js';
import { startHttpServer, type TestServer } from './fixtures/servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

let http: TestServer;
let ftp: FtpTestServer;

beforeAll(async () => {
  http = await startHttpServer();
  ftp = await startFtpServer({}, { early226: true });
});
afterAll(async () => {
  await http.close();
  await ftp.close();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runExample(name: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [`examples/multi/${name}`, ...args], { cwd: root, timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** Arguments (given the servers), and what stdout and stderr must show. */
interface Spec {
  args: () => string[];
  stdout?: RegExp[];
  stderr?: RegExp[];
  check?: (run: Run) => void;
}

const u = (path: string) => `${http.url}${path}`;

const EXAMPLES: Record<string, Spec> = {
  'multi-app.ts': {
    args: () => [u('/hello'), `${ftp.url}/app-upload.txt`],
    stdout: [/^HTTP transfer completed with status 0$/m, /^FTP transfer completed with status 0$/m],
    check: () => expect(ftp.files.get('app-upload.txt')?.toString()).toBe('uploaded by multi-app\n'),
  },
  'multi-legacy.ts': {
    args: () => [u('/slow?ms=50'), `${ftp.url}/legacy-upload.txt`],
    stdout: [/^HTTP transfer completed with status 0$/m, /^FTP transfer completed with status 0$/m],
    check: () => expect(ftp.files.get('legacy-upload.txt')?.toString()).toBe('uploaded by multi-legacy\n'),
  },
  'multi-single.ts': { args: () => [u('/hello')], stdout: [/^received 11 bytes, HTTP 200$/m] },
  'multi-double.ts': {
    args: () => [u('/hello'), u('/slow?ms=30')],
    check: (run) => expect(run.stderr.match(/^Transfer completed$/gm)).toHaveLength(2),
  },
  'multi-post.ts': {
    args: () => [u('/echo')],
    stdout: [/^posted \d+ bytes: HTTP 200, response \d+ bytes$/m],
    check: (run) => {
      const [, sent, got] = /^posted (\d+) bytes: HTTP 200, response (\d+) bytes$/m.exec(run.stdout)!;
      expect(got).toBe(sent); // the echo server returned the whole form
    },
  },
  'multi-debugcallback.ts': {
    args: () => [u('/hello')],
    stderr: [
      /^== Info: /m,
      /^=> Send header, 00000000\d\d bytes \(0x000000[0-9a-f]{2}\)$/m,
      /^0000: GET \/hello HTTP\/1\.1$/m,
      /^<= Recv header, /m,
      /^<= Recv data, 0000000011 bytes \(0x0000000b\)$/m,
      /^0000: hello world$/m,
    ],
  },
  '10-at-a-time.ts': {
    args: () => Array.from({ length: 14 }, (_, i) => u(`/slow?ms=${(i % 4) * 10}&n=${i}`)),
    check: (run) => {
      const lines = run.stderr.match(/^R: 0 - No error <.*>$/gm) ?? [];
      expect(lines).toHaveLength(14);
      expect(new Set(lines).size).toBe(14);
    },
  },
  'multi-event.ts': {
    args: () => [u('/hello'), u('/slow?ms=20'), u('/bytes/100000')],
    stderr: [/^Added download http:\/\/127\.0\.0\.1:\d+\/hello -> .*1\.download$/m],
    check: (run) => {
      for (const p of ['/hello', '/slow?ms=20', '/bytes/100000']) expect(run.stdout).toContain(`${u(p)} DONE`);
    },
  },
  'curl_multi_perform.ts': { args: () => [u('/hello')], stdout: [/^done: HTTP 200$/m] },
  'curl_multi_wait.ts': { args: () => [u('/slow?ms=20')], stdout: [/^done: HTTP 200 after some ready descriptors$/m] },
  'curl_multi_poll.ts': { args: () => [u('/slow?ms=20')], stdout: [/^our descriptor myfd had 1 event\(s\)$/m, /^done: HTTP 200$/m] },
  'curl_multi_wakeup.ts': { args: () => [u('/slow?ms=60000')], stdout: [/^thread 1 was told to exit, still running: 1$/m] },
  'curl_multi_info_read.ts': {
    args: () => [u('/hello'), 'unknownscheme://nowhere/'],
    stdout: [
      /^DONE http:\/\/127\.0\.0\.1:\d+\/hello result 0, [01] more in the queue$/m,
      /^DONE unknownscheme:\/\/nowhere\/ result 1, [01] more in the queue$/m,
    ],
  },
  'curl_multi_timeout.ts': { args: () => [u('/slow?ms=20')], stdout: [/^done: HTTP 200 after waiting$/m] },
  'curl_multi_fdset.ts': { args: () => [u('/slow?ms=20')], stdout: [/^done: HTTP 200, highest descriptor (\d{4,})$/m] },
  'curl_multi_socket_action.ts': { args: () => [], stdout: [/^(running: 0|error: .+)$/m] },
};

const ports = readdirSync(new URL('../examples/multi/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .sort();

describe('examples/multi/', () => {
  it('every port has expectations here', () => {
    expect(ports.filter((f) => !(f in EXAMPLES))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((f) => !ports.includes(f))).toEqual([]);
  });

  for (const name of ports) {
    it(`tsx examples/multi/${name} exits 0 and prints what its C original does`, async () => {
      const spec = EXAMPLES[name]!;
      const run = await runExample(name, spec.args());
      const context = `examples/multi/${name}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr.slice(0, 4000)}`;
      expect(run.signal, `killed (timeout?): ${context}`).toBeNull();
      expect(run.code, context).toBe(0);
      for (const line of spec.stdout ?? []) expect(run.stdout, context).toMatch(line);
      for (const line of spec.stderr ?? []) expect(run.stderr, context).toMatch(line);
      spec.check?.(run);
    }, 40_000);
  }
});
