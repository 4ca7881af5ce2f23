// SPDX-License-Identifier: MIT
// curl-wasm speaking TFTP (in-process, through libcurl-wasm/cli) to the
// node:dgram server in test/fixtures/tftp.ts: the tool's blocking poll over
// the datagram bridge, curl's own exit codes and messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from '../../ts/cli.js';
import { patternBytes, sha256 } from '../fixtures/servers.js';
import { startTftpServer, type TftpTestServer } from '../fixtures/tftp.js';

const BIG = patternBytes(250_000);
let server: TftpTestServer;
beforeAll(async () => {
  server = await startTftpServer({ 'big.bin': BIG, 'hello.txt': 'hello over tftp\n' });
});
afterAll(async () => {
  await server.close();
});

describe('curl-wasm and TFTP', () => {
  it('lists tftp among its protocols', async () => {
    const r = await curl(['--version']);
    expect(r.text()).toMatch(/^Protocols: .*\btftp\b/m);
  });

  it('downloads to stdout, and with --tftp-blksize', async () => {
    const r = await curl(['-sS', `${server.url}/hello.txt`]);
    expect(r.exitCode).toBe(0);
    expect(r.text()).toBe('hello over tftp\n');
    const n = server.blockSizes.length;
    const big = await curl(['-sS', '--tftp-blksize', '8192', `${server.url}/big.bin`]);
    expect(big.exitCode).toBe(0);
    expect(sha256(big.stdout)).toBe(sha256(BIG));
    expect(server.blockSizes[n]).toBe(8192);
  });

  it('uploads a file with -T', async () => {
    const data = patternBytes(70_000);
    const r = await curl(['-sS', '-T', 'up.bin', `${server.url}/`], { files: { 'up.bin': data } });
    expect(r.exitCode).toBe(0);
    expect(server.files.get('up.bin')?.equals(data)).toBe(true);
  });

  it("a missing file is exit code 68 with curl's message", async () => {
    const r = await curl(['-sS', `${server.url}/missing.txt`]);
    expect(r.exitCode).toBe(68);
    expect(r.errorText()).toMatch(/^curl: \(68\) TFTP: File Not Found/);
  });

  it('a silent server is exit code 28 after --max-time', async () => {
    const silent = await startTftpServer({}, { silent: true });
    try {
      const r = await curl(['-sS', '--max-time', '4', `${silent.url}/x`]);
      expect(r.exitCode).toBe(28);
      expect(silent.requests.length).toBeGreaterThan(1); // it sent the request again meanwhile
    } finally {
      await silent.close();
    }
  });
});
