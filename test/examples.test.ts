// SPDX-License-Identifier: MIT
// Every example in examples/ runs as the README says (`tsx examples/NAME.ts`)
// in a child process: it must exit 0 by itself within 30 s and print the
// lines that show it did what it claims. A new example without an entry
// here fails the suite, so none can rot unnoticed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runExample(name: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [`examples/${name}`], { cwd: root, timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** What each example must print (multiline regexes), plus any further check on its output. */
const EXPECT: Record<string, { lines: RegExp[]; check?: (stdout: string) => void }> = {
  'get.ts': { lines: [/^libcurl\/8\.\d+\.\d+ /m, /^HTTP 200 from 127\.0\.0\.1:\d+$/m, /: hello from \/example$/m] },
  'websocket.ts': { lines: [/^message: hello$/m, /^closed: 1000 done clean=true$/m, /^text: two$/m] },
  'fetch.ts': {
    lines: [
      /^ {2}read 8 bytes: "chunk 3\\n"$/m,
      /^POST \/echo 200 \{ method: 'POST', type: 'application\/json', got: \{ hello: 'world' \} \}$/m,
      /^GET \/slow aborted: gave up after 200 ms$/m,
      /^GET \/old manual: 302 location \/stream redirected false$/m,
      /^GET \/old follow: 200 http:\/\/127\.0\.0\.1:\d+\/stream redirected true$/m,
      /^getSetCookie\(\): \[ 'session=abc123; HttpOnly', 'theme=dark; Path=\/' \] welcome$/m,
    ],
  },
  'request.ts': {
    lines: [
      /^status: 200 /m,
      /^httpVersion: 2$/m,
      /^previous: HTTP\/2 301 https:\/\/127\.0\.0\.1:\d+\/start -> \/middle$/m,
      /^previous: HTTP\/2 302 https:\/\/127\.0\.0\.1:\d+\/middle -> \/end$/m,
      /^primaryIp: 127\.0\.0\.1:\d+ redirects: 2$/m,
      /version: 'TLSv1\.3'/,
      /verifyResult: 0/,
      /^timings \(ms\): lookup [\d.]+, connect [\d.]+, tls [\d.]+, first byte [\d.]+, redirects [\d.]+, total [\d.]+$/m,
    ],
  },
  'session.ts': {
    lines: [
      /^4 parallel requests over 1 connection\(s\); first answer: \{ url: '\/page\/1', agent: 'example\/1\.0', app: 'demo' \}$/m,
      /^own user-agent: \{ url: '\/ua', agent: 'mine', app: 'demo' \}$/m,
      /^#HttpOnly_127\.0\.0\.1\tFALSE\t\/\tFALSE\t0\tsid\ts3cr3t$/m,
      /^127\.0\.0\.1\tFALSE\t\/\tFALSE\t\d{10}\tlang\ten$/m,
      /'sid=s3cr3t httpOnly=true expires=0'/,
      /^session b sends cookie: lang=en; sid=s3cr3t$/m,
      /^session c sends cookie: lang=en; sid=s3cr3t$/m,
      /^top-level fetch sends cookie: \(none\)$/m,
      /^fetch with \{ session: a \} sends cookie: lang=en; sid=s3cr3t$/m,
      /^retried \/flaky: status 200 after 3 attempts$/m,
    ],
  },
  'proxy.ts': {
    lines: [
      /^\[http proxy\] CONNECT 127\.0\.0\.1:\d+$/m,
      /^hello 127\.0\.0\.1:\d+ \(curl's peer: 127\.0\.0\.1:\d+, the proxy\)$/m,
      /^\[socks5\] CONNECT name localhost:\d+$/m,
      /^hello localhost:\d+ \(curl's peer: 127\.0\.0\.1:\d+, the proxy\)$/m,
    ],
  },
  'progress.ts': {
    lines: [
      /^download: 2097152 \/ 2097152 bytes \(100%\)$/m,
      /^downloaded 2097152 bytes$/m,
      /^upload: 1048576 \/ 1048576 bytes \(100%\)$/m,
      /^received 1048576 bytes$/m,
      /^\* Connected to 127\.0\.0\.1 /m,
      /^> GET \/hello HTTP\/1\.1$/m,
      /^> x-demo: yes$/m,
      /^< HTTP\/1\.1 200 OK$/m,
    ],
    check: (out) => {
      // a progress line at each quarter, in order, for both directions
      for (const side of ['download', 'upload']) {
        const pcts = [...out.matchAll(new RegExp(`^${side}: \\d+ / \\d+ bytes \\((\\d+)%\\)$`, 'gm'))].map((m) => Number(m[1]));
        expect(pcts.length, side).toBeGreaterThanOrEqual(2);
        expect(pcts, side).toEqual([...pcts].sort((a, b) => a - b));
      }
    },
  },
  'streams.ts': {
    lines: [/^downloaded 4194304 bytes to .*, sha256 ([0-9a-f]{16}) \(sent: \1\)$/m, /^server saw: PUT of 4194304 bytes \(chunked\), sha256 [0-9a-f]{16}$/m, /^removed /m],
    check: (out) => {
      // the upload carried exactly the bytes downloaded, and the temporary directory is gone
      const down = /, sha256 ([0-9a-f]{16}) /m.exec(out.split('\n')[0]!)?.[1];
      expect(/^server saw: .* sha256 ([0-9a-f]{16})$/m.exec(out)?.[1]).toBe(down);
      expect(existsSync(/^removed (.*)$/m.exec(out)![1]!)).toBe(false);
    },
  },
  'sandbox.ts': {
    lines: [
      /^refused http:\/\/127\.0\.0\.1:\d+: rule "preset public: 127\.0\.0\.0\/8 Loopback \(RFC 1122\)"$/m,
      /^refused http:\/\/169\.254\.169\.254\/latest\/meta-data\/: rule "preset public: 169\.254\.0\.0\/16 Link Local \(RFC 3927\)"$/m,
      /^ {4}→ PolicyDenied: /m,
      /^allowed: small and fine$/m,
      /^refused http:\/\/10\.1\.2\.3\/: rule "denyAddresses 10\.0\.0\.0\/8"$/m,
      /^body of \/big cut: limit "maxBodyBytes"$/m,
      /^ {4}→ LimitExceeded: maxBodyBytes \(65536\) exceeded$/m,
    ],
  },
  'multi.ts': {
    lines: [/^running: 5$/m, /^running: 0 \(after \d+ ms\)$/m],
    check: (out) => {
      // the running count only falls, and each of the five transfers reports CURLE_OK
      const counts = [...out.matchAll(/^running: (\d+)/gm)].map((m) => Number(m[1]));
      expect(counts[0]).toBe(5);
      expect(counts.at(-1)).toBe(0);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThan(counts[i - 1]!);
      const done = [...out.matchAll(/^ {2}done: CURLE_OK HTTP 200 http:\/\/127\.0\.0\.1:\d+\/(\d) → "done \/\1"$/gm)].map((m) => m[1]);
      expect(done.sort()).toEqual(['1', '2', '3', '4', '5']);
    },
  },
};

const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();

describe('examples/', () => {
  it('every example has expectations here', () => {
    expect(examples.filter((f) => !(f in EXPECT))).toEqual([]);
    expect(Object.keys(EXPECT).filter((f) => !examples.includes(f))).toEqual([]);
  });

  for (const name of examples) {
    it(`tsx examples/${name} exits 0 and prints what it shows`, async () => {
      const run = await runExample(name);
      const context = `examples/${name}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
      expect(run.signal, `killed (timeout?): ${context}`).toBeNull();
      expect(run.code, context).toBe(0);
      const spec = EXPECT[name];
      for (const line of spec?.lines ?? []) expect(run.stdout, context).toMatch(line);
      spec?.check?.(run.stdout);
    }, 40_000);
  }
});
