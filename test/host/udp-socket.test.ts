// SPDX-License-Identifier: MIT
// The bridge's datagram sockets (ts/host/udp-socket.ts) against real
// node:dgram peers on loopback: POSIX recvfrom/sendto semantics, readiness,
// the receive queue's bound, and the rule a guard (a sandbox) puts on them.
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERRNO } from '../../ts/host/errno.js';
import { MSG_PEEK, POLL, RECV_HIGH_WATER, SocketTable } from '../../ts/host/sockets.js';
import { UdpSocket } from '../../ts/host/udp-socket.js';
import { until } from '../fixtures/wait.js';

const peers: dgram.Socket[] = [];
const tables: SocketTable[] = [];
let table: SocketTable;

beforeEach(() => {
  table = new SocketTable();
  tables.push(table);
});
afterEach(() => {
  for (const t of tables.splice(0)) t.closeAll();
  for (const p of peers.splice(0)) p.close();
});

async function peer(address = '127.0.0.1'): Promise<{ sock: dgram.Socket; port: number; got: { data: Buffer; port: number }[] }> {
  const sock = dgram.createSocket('udp4');
  peers.push(sock);
  const got: { data: Buffer; port: number }[] = [];
  sock.on('message', (data, r) => got.push({ data, port: r.port }));
  sock.bind(0, address);
  await once(sock, 'listening');
  return { sock, port: sock.address().port, got };
}

function udp(t = table): UdpSocket {
  return t.add((fd) => new UdpSocket(fd, 4, t));
}

const to = (port: number, address = '127.0.0.1') => ({ family: 4 as const, address, port });

describe('UdpSocket', () => {
  it('sendto and recvfrom one datagram at a time, with the sender', async () => {
    const s = udp();
    const p = await peer();
    expect(s.readiness() & POLL.OUT).toBeTruthy();
    expect(s.recvfrom(new Uint8Array(10), 0).n).toBe(-ERRNO.AGAIN);
    expect(s.sendto(Buffer.from('ping'), to(p.port))).toBe(4);
    await until(() => p.got.length === 1);
    expect(p.got[0]!.data.toString()).toBe('ping');
    p.sock.send('one', p.got[0]!.port, '127.0.0.1');
    p.sock.send('two!', p.got[0]!.port, '127.0.0.1');
    await until(() => (s.readiness() & POLL.IN) !== 0 && s.queuedIn === 2);
    const buf = new Uint8Array(16);
    expect(s.recvfrom(buf, MSG_PEEK)).toEqual({ n: 3, from: to(p.port) });
    expect(s.recvfrom(buf, 0).n).toBe(3);
    // a short buffer takes the start of the datagram; the rest is gone
    expect(s.recvfrom(buf.subarray(0, 2), 0).n).toBe(2);
    expect(Buffer.from(buf.subarray(0, 2)).toString()).toBe('tw');
    expect(s.recvfrom(buf, 0).n).toBe(-ERRNO.AGAIN);
    expect(s.readiness() & POLL.IN).toBe(0);
  });

  it('bind() picks the port getsockname() reports', async () => {
    const s = udp();
    expect(s.bind(to(0, '0.0.0.0'))).toBe(0);
    await until(() => s.local.port !== 0);
    const p = await peer();
    p.sock.send('hi', s.local.port, '127.0.0.1');
    await until(() => s.queuedIn === 1);
  });

  it('refuses what a datagram cannot be: too big, no destination, the wrong family', () => {
    const s = udp();
    expect(s.sendto(new Uint8Array(70_000), to(9))).toBe(-ERRNO.MSGSIZE);
    expect(s.sendto(new Uint8Array(1), undefined)).toBe(-ERRNO.DESTADDRREQ);
    expect(s.sendto(new Uint8Array(1), { family: 6, address: '::1', port: 9 })).toBe(-ERRNO.AFNOSUPPORT);
  });

  it('drops datagrams beyond the receive queue, as a kernel buffer does', async () => {
    const s = udp();
    const p = await peer();
    s.sendto(Buffer.from('x'), to(p.port));
    await until(() => p.got.length === 1);
    const chunk = Buffer.alloc(60_000);
    const n = Math.ceil(RECV_HIGH_WATER / chunk.length) + 4;
    // one at a time: a burst could overflow the kernel's own buffer first
    for (let i = 1; i <= n; i++) {
      p.sock.send(chunk, p.got[0]!.port, '127.0.0.1');
      await until(() => s.queuedIn + s.dropped === i);
    }
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.queuedIn * chunk.length).toBeLessThanOrEqual(RECV_HIGH_WATER);
  });
});

describe('UdpSocket under a guard', () => {
  it('a refused first destination gets no datagram, and the socket fails for good', async () => {
    const s = udp();
    const p = await peer();
    const judged: unknown[] = [];
    table.guard = (target, _owner, talk) => (judged.push([target.port, talk]), 'denied');
    expect(s.sendto(Buffer.from('x'), to(p.port))).toBe(-ERRNO.ACCES);
    expect(judged).toEqual([[p.port, undefined]]);
    expect(s.readiness() & (POLL.IN | POLL.ERR)).toBe(POLL.IN | POLL.ERR);
    expect(s.recvfrom(new Uint8Array(4), 0).n).toBe(-ERRNO.ACCES);
    expect(s.recvfrom(new Uint8Array(4), 0).n).toBe(-ERRNO.ACCES);
    expect(s.sendto(Buffer.from('x'), to(p.port))).toBe(-ERRNO.ACCES);
    // nothing reached the peer: a datagram sent after the refusal would arrive first otherwise
    const unguarded = new SocketTable();
    tables.push(unguarded);
    const q = udp(unguarded);
    q.sendto(Buffer.from('marker'), to(p.port));
    await until(() => p.got.length === 1);
    expect(p.got[0]!.data.toString()).toBe('marker');
  });

  it('talks with its first destination only: its port, and ports that answered', async () => {
    const s = udp();
    const server = await peer();
    const other = await peer();
    const elsewhere = await peer('127.0.0.2');
    table.guard = (target, _owner, talk) => {
      if (!talk) return undefined; // the first destination passes
      if (target.address !== talk.address) return 'another host';
      return talk.ports.has(target.port) ? undefined : 'no answer from that port';
    };
    expect(s.sendto(Buffer.from('rrq'), to(server.port))).toBe(3);
    await until(() => server.got.length === 1);
    const client = server.got[0]!.port;
    // a new port of the same host answers (TFTP's transfer id): admitted, and sendable to
    other.sock.send('data', client, '127.0.0.1');
    // another host's datagram is dropped
    elsewhere.sock.send('spoof', client, '127.0.0.1');
    await until(() => s.queuedIn + s.dropped === 2);
    expect(s.dropped).toBe(1);
    expect(s.recvfrom(new Uint8Array(8), 0).from).toEqual(to(other.port));
    expect(s.sendto(Buffer.from('ack'), to(other.port))).toBe(3);
    await until(() => other.got.length === 1);
    // a port nobody answered from is refused (and the socket is done), as is another host
    expect(s.sendto(Buffer.from('x'), to(9))).toBe(-ERRNO.ACCES);
    const t = udp();
    expect(t.sendto(Buffer.from('rrq'), to(server.port))).toBe(3);
    expect(t.sendto(Buffer.from('x'), to(elsewhere.port, '127.0.0.2'))).toBe(-ERRNO.ACCES);
    await until(() => server.got.length === 2);
    expect(elsewhere.got).toEqual([]);
  });
});
