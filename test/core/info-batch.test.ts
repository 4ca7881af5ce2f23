// SPDX-License-Identifier: MIT
// InfoBatch (ts/curl/info-batch.ts): several infos in one wasm call answer
// what getInfo() answers for each, on the real build.
import { describe, expect, it } from 'vitest';
import { Easy, type InfoKey } from '../../ts/index.js';
import { InfoBatch } from '../../ts/curl/info-batch.js';
import { startHttpServer } from '../fixtures/servers.js';
import { multiAndServer } from '../fixtures/per-file.js';

const { rt, multi, server } = await multiAndServer(() => startHttpServer());

const KEYS: InfoKey[] = [
  'EFFECTIVE_URL',
  'RESPONSE_CODE',
  'HTTP_VERSION',
  'PRIMARY_IP',
  'PRIMARY_PORT',
  'LOCAL_PORT',
  'REDIRECT_COUNT',
  'SIZE_DOWNLOAD_T',
  'TOTAL_TIME_T',
  'HEADER_SIZE',
  'CONTENT_TYPE',
  'TOTAL_TIME',
];

describe('InfoBatch', () => {
  it('answers what getInfo() answers, for strings, longs, off_t and doubles', async () => {
    const easy = new Easy(rt).setOpt('URL', `${server.url}/redirect?to=/hello`).setOpt('FOLLOWLOCATION', 1);
    await multi.run(easy);
    const batch = new InfoBatch(KEYS);
    const got = batch.read(easy);
    expect(got).toEqual(Object.fromEntries(KEYS.map((k) => [k, easy.getInfo(k)])));
    expect(got.EFFECTIVE_URL).toBe(`${server.url}/hello`);
    expect(got.RESPONSE_CODE).toBe(200);
    expect(got.REDIRECT_COUNT).toBe(1);
    expect(batch.read(easy)).toEqual(got); // its slots are reused
    easy.close();
    expect(() => batch.read(easy)).toThrow(/closed/);
  });

  it('answers null for a string curl has not set, as getInfo() does', () => {
    const easy = new Easy(rt);
    const { EFFECTIVE_URL: url, CONTENT_TYPE: type } = new InfoBatch(['EFFECTIVE_URL', 'CONTENT_TYPE']).read(easy);
    expect([url, type]).toEqual([easy.getInfo('EFFECTIVE_URL'), null]);
    easy.close();
  });

  it('refuses infos that are lists', () => {
    expect(() => new InfoBatch(['COOKIELIST'])).toThrow(/batch/);
    expect(() => new InfoBatch(['CERTINFO'])).toThrow(/batch/);
  });
});
