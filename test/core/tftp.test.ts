// SPDX-License-Identifier: MIT
// TFTP through the real wasm build against the node:dgram TFTP server in
// test/fixtures/tftp.ts: the bridge's datagram path (bind, sendto the
// server's port, recvfrom the new port it answers from), driven by the
// multi's socket and timer callbacks.
import { describe, expect, it } from 'vitest';
import { CurlEasyError, type OptionValue } from '../../ts/index.js';
import { UdpSocket } from '../../ts/host/udp-socket.js';
import { patternBytes } from '../fixtures/servers.js';
import { startTftpServer } from '../fixtures/tftp.js';
import { transfer } from './transfer.js';
import { multiAndServer } from '../fixtures/per-file.js';

const BIG = patternBytes(300_000); // ~590 blocks of 512 bytes
const HELLO = Buffer.from('hello over tftp\n');
const EXACT = patternBytes(1024); // a multiple of the block size: an empty last block

const { rt, multi, server } = await multiAndServer(() => startTftpServer({ 'hello.txt': HELLO, 'big.bin': BIG, 'exact.bin': EXACT }));

async function tftp(url: string, opts: Record<string, OptionValue> = {}) {
  const r = await transfer(rt, multi, url, opts);
  const size = r.easy.getInfo('SIZE_DOWNLOAD_T') as number;
  const ip = r.easy.getInfo('PRIMARY_IP') as string;
  r.easy.close();
  return { body: r.body, size, ip };
}

async function failure(url: string, opts: Record<string, OptionValue> = {}): Promise<CurlEasyError> {
  const err = await tftp(url, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CurlEasyError);
  return err as CurlEasyError;
}

/** An upload source for READFUNCTION. */
function reader(data: Buffer) {
  let offset = 0;
  return (buf: Uint8Array) => {
    const n = Math.min(buf.length, data.length - offset);
    buf.set(data.subarray(offset, offset + n));
    offset += n;
    return n;
  };
}

describe('TFTP downloads', () => {
  it('downloads a small file (RRQ, octet mode, options offered)', async () => {
    const before = server.requests.length;
    const r = await tftp(`${server.url}/hello.txt`);
    expect(r.body.equals(HELLO)).toBe(true);
    expect(r.size).toBe(HELLO.length);
    expect(r.ip).toBe('127.0.0.1');
    const req = server.requests[before]!;
    expect(req).toMatchObject({ op: 'RRQ', filename: 'hello.txt', mode: 'octet' });
    expect(req.options).toMatchObject({ blksize: '512', tsize: '0' });
  });

  it('downloads 300 kB block by block, every datagram through the bridge', async () => {
    const r = await tftp(`${server.url}/big.bin`);
    expect(r.body.length).toBe(BIG.length);
    expect(r.body.equals(BIG)).toBe(true);
  });

  it('ends on an empty block when the size is a multiple of the block size', async () => {
    const r = await tftp(`${server.url}/exact.bin`);
    expect(r.body.equals(EXACT)).toBe(true);
  });

  it('negotiates TFTP_BLKSIZE with the server (OACK)', async () => {
    const n = server.blockSizes.length;
    const r = await tftp(`${server.url}/big.bin`, { TFTP_BLKSIZE: 1428 });
    expect(r.body.equals(BIG)).toBe(true);
    expect(server.blockSizes[n]).toBe(1428);
  });

  it('falls back to 512-byte blocks when the server ignores options', async () => {
    const plain = await startTftpServer({ 'big.bin': BIG }, { noOptions: true });
    try {
      const r = await tftp(`${plain.url}/big.bin`, { TFTP_BLKSIZE: 4096 });
      expect(r.body.equals(BIG)).toBe(true);
      expect(plain.blockSizes).toEqual([512]);
    } finally {
      await plain.close();
    }
  });

  it('sends no options with TFTP_NO_OPTIONS', async () => {
    const before = server.requests.length;
    const r = await tftp(`${server.url}/hello.txt`, { TFTP_NO_OPTIONS: 1 });
    expect(r.body.equals(HELLO)).toBe(true);
    expect(server.requests[before]!.options).toEqual({});
  });

  it('downloads over IPv6 (an AF_INET6 datagram socket)', async () => {
    const v6 = await startTftpServer({ 'big.bin': BIG }, { host: '::1' });
    try {
      const r = await tftp(`${v6.url}/big.bin`, { TFTP_BLKSIZE: 2048 });
      expect(r.body.equals(BIG)).toBe(true);
      expect(r.ip).toBe('::1');
      expect(v6.requests[0]!.from.address).toBe('::1');
    } finally {
      await v6.close();
    }
  });

  it('runs transfers side by side, each on its own datagram socket', async () => {
    const rs = await Promise.all([1, 2, 3, 4].map(() => tftp(`${server.url}/big.bin`, { TFTP_BLKSIZE: 8192 })));
    for (const r of rs) expect(r.body.equals(BIG)).toBe(true);
    expect(rt.sockets.entries().filter((e) => e instanceof UdpSocket)).toEqual([]); // all closed
  });
});

describe('TFTP uploads', () => {
  it('uploads with WRQ, tsize announced', async () => {
    const data = patternBytes(100_000);
    const before = server.requests.length;
    await tftp(`${server.url}/up.bin`, { UPLOAD: 1, INFILESIZE_LARGE: data.length, READFUNCTION: reader(data) });
    expect(server.requests[before]).toMatchObject({ op: 'WRQ', filename: 'up.bin', options: { tsize: String(data.length) } });
    expect(server.files.get('up.bin')?.equals(data)).toBe(true);
  });

  it('uploads with a negotiated block size, ending on an empty block', async () => {
    const data = patternBytes(3 * 1024);
    await tftp(`${server.url}/up-exact.bin`, { UPLOAD: 1, INFILESIZE_LARGE: data.length, READFUNCTION: reader(data), TFTP_BLKSIZE: 1024 });
    expect(server.files.get('up-exact.bin')?.equals(data)).toBe(true);
  });
});

describe('TFTP errors and timeouts', () => {
  it('a missing file is CURLE_TFTP_NOTFOUND', async () => {
    const err = await failure(`${server.url}/nope.txt`);
    expect(err.code).toBe('CURLE_TFTP_NOTFOUND');
    expect(err.curlCode).toBe(68);
  });

  it('sends the request again when the first one is lost', async () => {
    const lossy = await startTftpServer({ 'hello.txt': HELLO }, { dropRequests: 1 });
    try {
      // TIMEOUT 3 s: curl's retry interval is then 1 s (tftp_set_timeouts)
      const r = await tftp(`${lossy.url}/hello.txt`, { TIMEOUT_MS: 3000 });
      expect(r.body.equals(HELLO)).toBe(true);
      expect(lossy.requests.length).toBe(2);
    } finally {
      await lossy.close();
    }
  });

  it('a server that never answers is CURLE_OPERATION_TIMEDOUT', async () => {
    const silent = await startTftpServer({ 'hello.txt': HELLO }, { silent: true });
    try {
      const err = await failure(`${silent.url}/hello.txt`, { TIMEOUT_MS: 1500 });
      expect(err.code).toBe('CURLE_OPERATION_TIMEDOUT');
      expect(silent.requests.length).toBeGreaterThan(0);
    } finally {
      await silent.close();
    }
  });

  it('a too long file name is CURLE_TFTP_ILLEGAL, and nothing is sent', async () => {
    const before = server.requests.length;
    const err = await failure(`${server.url}/${'x'.repeat(600)}`, { TFTP_NO_OPTIONS: 1 });
    expect(err.code).toBe('CURLE_TFTP_ILLEGAL');
    expect(server.requests.length).toBe(before);
  });
});
