// SPDX-License-Identifier: MIT
// The network policy's decisions, address by address.
import { describe, expect, it } from 'vitest';
import { NetworkPolicy } from '../../ts/host/policy.js';

const pub = new NetworkPolicy({ preset: 'public' });

describe('preset public', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '198.18.0.1',
    '192.0.2.1',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '2002:7f00:1::1',
    '2002:a9fe:a9fe::1',
  ])('denies %s', (ip) => {
    expect(pub.checkAddress(ip, 80)).toMatch(/preset public/);
  });

  it.each(['93.184.215.14', '1.1.1.1', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1', '100.128.0.1'])('allows %s', (ip) => {
    expect(pub.checkAddress(ip, 443)).toBeUndefined();
  });
});

describe('rules', () => {
  it('denies by CIDR, and deny wins over allow', () => {
    const p = new NetworkPolicy({ preset: 'none', allowAddresses: ['203.0.113.0/24'], denyAddresses: ['203.0.113.7'] });
    expect(p.checkAddress('203.0.113.8', 80)).toBeUndefined();
    expect(p.checkAddress('203.0.113.7', 80)).toBe('denyAddresses 203.0.113.7');
    expect(p.checkAddress('198.51.100.1', 80)).toBe('not in allowAddresses');
  });

  it('restricts ports', () => {
    const p = new NetworkPolicy({ allowPorts: [80, 443] });
    expect(p.checkAddress('1.1.1.1', 443)).toBeUndefined();
    expect(p.checkAddress('1.1.1.1', 22)).toBe('port 22 not in allowPorts');
  });

  it('matches host names exactly or by subdomain pattern', () => {
    const p = new NetworkPolicy({ allowHosts: ['example.org', '*.example.net'], denyHosts: ['bad.example.net'] });
    expect(p.checkHost('example.org')).toBeUndefined();
    expect(p.checkHost('EXAMPLE.org.')).toBeUndefined();
    expect(p.checkHost('a.example.net')).toBeUndefined();
    expect(p.checkHost('example.net')).toBe('not in allowHosts');
    expect(p.checkHost('evilexample.net')).toBe('not in allowHosts');
    expect(p.checkHost('bad.example.net')).toBe('denyHosts bad.example.net');
  });

  it('refuses malformed rules', () => {
    expect(() => new NetworkPolicy({ denyAddresses: ['10.0.0.0/33'] })).toThrow(/prefix/);
    expect(() => new NetworkPolicy({ denyAddresses: ['example.org'] })).toThrow(/not an IP/);
  });
});
