// SPDX-License-Identifier: MIT
// Easy handles: typed options and infos, callbacks and their failures,
// pause, reset, duphandle, Share.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CurlEasyError, CurlError, Easy, Share, type InfoKey } from '../../ts/index.js';
import { startHttpServer } from '../fixtures/servers.js';
import { sortedCookies, transfer } from './transfer.js';
import { multiAndServer } from '../fixtures/per-file.js';

const { rt, multi, server } = await multiAndServer(() => startHttpServer());

describe('options', () => {
  it('accepts CURLOPT_X, X and camelCase names', async () => {
    const easy = new Easy(rt);
    easy.setOpt('CURLOPT_URL', `${server.url}/inspect`).setOpt('USERAGENT', 'ua/1').setOpt('httpheader', ['X-A: 1']);
    const body: Buffer[] = [];
    easy.setOpt('writefunction', (d: Uint8Array) => void body.push(Buffer.from(d)));
    await multi.run(easy);
    const seen = JSON.parse(Buffer.concat(body).toString());
    expect(seen.headers['user-agent']).toBe('ua/1');
    expect(seen.headers['x-a']).toBe('1');
    expect(easy.getInfo('CURLINFO_RESPONSE_CODE')).toBe(200);
    expect(easy.getInfo('responseCode')).toBe(200);
    easy.close();
  });

  it('rejects unknown options, wrong types and NUL bytes before they reach wasm', () => {
    const easy = new Easy(rt);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.setOpt('NO_SUCH_OPTION', 1)).toThrow(/unknown curl option "NO_SUCH_OPTION"/);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.setOpt('URL', 42)).toThrow(TypeError);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.setOpt('VERBOSE', 'yes')).toThrow(/integer/);
    expect(() => easy.setOpt('VERBOSE', 2 ** 40)).toThrow(/32 bits/);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.setOpt('HTTPHEADER', 'X-A: 1')).toThrow(/array of strings/);
    expect(() => easy.setOpt('URL', 'http://a\0b/')).toThrow(/NUL/);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.setOpt('WRITEDATA', null)).toThrow(/not supported/);
    // @ts-expect-error the run-time check behind the compile-time one
    expect(() => easy.getInfo('NO_SUCH_INFO')).toThrow(/unknown curl info/);
    easy.close();
  });

  it("reports curl's own error for a value curl refuses", () => {
    const easy = new Easy(rt);
    let err: unknown;
    try {
      easy.setOpt('HTTP_VERSION', 99);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err).toBeInstanceOf(CurlError);
    expect(err).toMatchObject({ code: 'CURLE_UNSUPPORTED_PROTOCOL', curlCode: 1 });
    easy.close();
  });

  it('a closed handle is an error, not a crash', () => {
    const easy = new Easy(rt);
    easy.close();
    expect(() => easy.setOpt('URL', 'http://x/')).toThrow(/closed/);
    expect(() => easy.getInfo('RESPONSE_CODE')).toThrow(/closed/);
    easy.close(); // twice is fine
  });

  it('reads timings, sizes and the effective URL', async () => {
    const r = await transfer(rt, multi, `${server.url}/bytes/4096`);
    const t = (n: InfoKey) => r.easy.getInfo(n) as number;
    expect(t('NAMELOOKUP_TIME_T')).toBeLessThanOrEqual(t('CONNECT_TIME_T'));
    expect(t('CONNECT_TIME_T')).toBeLessThanOrEqual(t('PRETRANSFER_TIME_T'));
    expect(t('PRETRANSFER_TIME_T')).toBeLessThanOrEqual(t('STARTTRANSFER_TIME_T'));
    expect(t('STARTTRANSFER_TIME_T')).toBeLessThanOrEqual(t('TOTAL_TIME_T'));
    expect(t('TOTAL_TIME')).toBeGreaterThan(0);
    expect(t('SIZE_DOWNLOAD_T')).toBe(4096);
    expect(r.easy.getInfo('EFFECTIVE_URL')).toBe(`${server.url}/bytes/4096`);
    expect(r.easy.getInfo('LOCAL_IP')).toBe('127.0.0.1');
    r.easy.close();
  });
});

describe('callbacks', () => {
  it('an exception in the write callback aborts the transfer and becomes the cause', async () => {
    const boom = new Error('boom');
    const err = await transfer(rt, multi, `${server.url}/bytes/100000`, {
      WRITEFUNCTION: () => {
        throw boom;
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CurlEasyError);
    expect(err.code).toBe('CURLE_WRITE_ERROR');
    expect(err.cause).toBe(boom);
  });

  it('an exception in the read callback aborts the upload', async () => {
    const boom = new Error('no more');
    const err = await transfer(rt, multi, `${server.url}/upload-sha256`, {
      UPLOAD: 1,
      READFUNCTION: () => {
        throw boom;
      },
    }).catch((e) => e);
    expect(err.code).toBe('CURLE_ABORTED_BY_CALLBACK');
    expect(err.cause).toBe(boom);
  });

  it('progress reports bytes and can abort', async () => {
    const seen: number[] = [];
    const ok = await transfer(rt, multi, `${server.url}/bytes/2000000`, {
      NOPROGRESS: 0,
      XFERINFOFUNCTION: (total: number, now: number) => void seen.push(now, total),
    });
    expect(seen.at(-2)).toBe(2_000_000);
    expect(seen.at(-1)).toBe(2_000_000);
    ok.easy.close();
    const err = await transfer(rt, multi, `${server.url}/bytes/2000000`, { NOPROGRESS: 0, XFERINFOFUNCTION: (_t: number, now: number) => now > 0 }).catch(
      (e) => e,
    );
    expect(err.code).toBe('CURLE_ABORTED_BY_CALLBACK');
  });

  it('the debug callback receives curl -v style trace', async () => {
    const text: string[] = [];
    const r = await transfer(rt, multi, `${server.url}/hello`, {
      VERBOSE: 1,
      DEBUGFUNCTION: (type: number, data: Uint8Array) => {
        if (type <= 2) text.push(`${type}:${Buffer.from(data).toString()}`); // TEXT, HEADER_IN, HEADER_OUT
      },
    });
    const all = text.join('');
    expect(all).toMatch(/0:.*Connected to 127\.0\.0\.1/);
    expect(all).toMatch(/2:GET \/hello HTTP\/1\.1/);
    expect(all).toMatch(/1:HTTP\/1\.1 200 OK/);
    r.easy.close();
  });

  it('a HEADERFUNCTION set between transfers or during one gets the heads (curl drops them while there is none)', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/slow?ms=100`);
    await multi.run(easy); // no header callback: curl drops the lines itself
    const between: string[] = [];
    easy.setOpt('HEADERFUNCTION', (d: Uint8Array) => void between.push(Buffer.from(d).toString('latin1')));
    await multi.run(easy);
    expect(between[0]).toMatch(/^HTTP\/1\.1 200/);
    easy.setOpt('HEADERFUNCTION', null);
    await multi.run(easy);
    const during: string[] = [];
    easy.setOpt('NOPROGRESS', 0).setOpt('XFERINFOFUNCTION', () => {
      if (!during.length) easy.setOpt('HEADERFUNCTION', (d: Uint8Array) => void during.push(Buffer.from(d).toString('latin1')));
    });
    await multi.run(easy);
    expect(during[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(during.at(-1)).toBe('\r\n');
    easy.close();
  });

  it('pauses from the write callback and resumes with pause(CONT)', async () => {
    const easy = new Easy(rt);
    const got: Buffer[] = [];
    let paused = false;
    easy.setOpt('URL', `${server.url}/bytes/300000`);
    easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => {
      if (!paused) {
        paused = true;
        setTimeout(() => easy.pause(0), 200);
        return 0x10000001; // CURL_WRITEFUNC_PAUSE
      }
      got.push(Buffer.from(d));
    });
    const t0 = performance.now();
    await multi.run(easy);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    expect(Buffer.concat(got).length).toBe(300000);
    easy.close();
  });
});

describe('handles', () => {
  it('reset() drops options and callbacks; the handle works again', async () => {
    const easy = new Easy(rt);
    let calls = 0;
    easy
      .setOpt('URL', `${server.url}/hello`)
      .setOpt('WRITEFUNCTION', () => void calls++)
      .setOpt('NOBODY', 1);
    easy.reset();
    easy.setOpt('URL', `${server.url}/hello`);
    await multi.run(easy);
    expect(calls).toBe(0);
    expect(easy.getInfo('SIZE_DOWNLOAD_T')).toBe(11); // NOBODY was reset
    easy.close();
  });

  it('duphandle() copies options, lists and callbacks, independent of the original', async () => {
    const easy = new Easy(rt);
    const bodies: string[] = [];
    easy.setOpt('URL', `${server.url}/inspect`).setOpt('HTTPHEADER', ['X-Dup: yes']);
    easy.setOpt('WRITEFUNCTION', (d: Uint8Array) => void bodies.push(Buffer.from(d).toString()));
    const copy = easy.duphandle();
    easy.setOpt('HTTPHEADER', ['X-Dup: original']); // frees the original's list
    easy.close();
    await multi.run(copy);
    expect(JSON.parse(bodies.join('')).headers['x-dup']).toBe('yes');
    copy.close();
  });

  it('a Share carries cookies between handles', async () => {
    const share = new Share(rt, ['COOKIE']);
    const a = new Easy(rt).setOpt('URL', `${server.url}/set-cookie`).setOpt('SHARE', share).setOpt('COOKIEFILE', '');
    await multi.run(a);
    const r = await transfer(rt, multi, `${server.url}/cookies`, { SHARE: share, COOKIEFILE: '' });
    expect(sortedCookies(JSON.parse(r.body.toString()).cookie)).toBe('a=1; b=2');
    expect(() => share.close()).toThrow(/CURLSHE_IN_USE|in use/i);
    a.close();
    r.easy.close();
    share.close();
  });

  it('the process stays alive while a transfer runs, and exits after', async () => {
    const child = fileURLToPath(new URL('./liveness-child.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(tsx, [child, `${server.url}/slow-body?ms=700`], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(out.trim()).toBe('done 200 slow');
  });
});
