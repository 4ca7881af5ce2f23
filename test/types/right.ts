// SPDX-License-Identifier: MIT
// Uses of the typed surface that must compile (test/types.test.ts runs tsc
// on this file and on wrong.ts). Only type-checked, never run.
import { type CurlOptions, type Easy, fetch, type Multi, request, Session, type Share, type SharedBlob, WorkerPool } from '../../ts/index.js';

declare const easy: Easy;
declare const multi: Multi;
declare const share: Share;
declare const blob: SharedBlob;

// every spelling of a name, and the value types of each C type
easy.setOpt('URL', 'https://example.com/').setOpt('CURLOPT_URL', null).setOpt('url', 'https://example.com/');
easy.setOpt('FOLLOWLOCATION', true).setOpt('followlocation', 1).setOpt('CURLOPT_FOLLOWLOCATION', 0);
easy.setOpt('ENCODING', '').setOpt('CURLOPT_ENCODING', 'gzip'); // curl.h's old name of ACCEPT_ENCODING
easy.setOpt('HTTP_VERSION', 3).setOpt('sslVerifypeer', false);
easy.setOpt('POSTFIELDSIZE_LARGE', 10n).setOpt('MAXFILESIZE_LARGE', 1 << 20);
easy.setOpt('HTTPHEADER', ['Accept: */*']).setOpt('HTTPHEADER', null);
easy.setOpt('CAINFO_BLOB', new Uint8Array(8)).setOpt('CAINFO_BLOB', blob).setOpt('SSLCERT_BLOB', '-----BEGIN');
easy.setOpt('POSTFIELDS', 'a=1').setOpt('COPYPOSTFIELDS', new ArrayBuffer(2)).setOpt('SHARE', share);
easy.setOpt('WRITEFUNCTION', (data: Uint8Array) => data.length).setOpt('HEADERFUNCTION', null);
easy.setOpt('XFERINFOFUNCTION', (dltotal, dlnow) => dlnow > dltotal);
easy.setOpt('READFUNCTION', (buffer) => buffer.length);

// getInfo answers the info's own type
const code: number = easy.getInfo('RESPONSE_CODE');
const url: string | null = easy.getInfo('CURLINFO_EFFECTIVE_URL');
const total: number = easy.getInfo('totalTimeT');
const cookies: string[] = easy.getInfo('COOKIELIST');
const certs: string[][] = easy.getInfo('CERTINFO');
const legacy: number = easy.getInfo('HTTP_CODE'); // curl.h's old name of RESPONSE_CODE

share.share('COOKIE').share('SSL_SESSION').unshare('DNS');
multi.setOpt('MAXCONNECTS', 8).setOpt('CURLMOPT_PIPELINING', 2).setOpt('MAX_HOST_CONNECTIONS', 0);

// curl: {…} bags
const bag: CurlOptions = { FOLLOWLOCATION: true, CURLOPT_MAXREDIRS: 5, useragent: 'x', HTTPHEADER: ['A: b'] };
void fetch('https://example.com/', { curl: { VERBOSE: false, TIMEOUT_MS: 1000 } });
void request('https://example.com/', { curl: bag });
void new Session({ curl: { SSLVERSION: 7 << 16, CAINFO_BLOB: new Uint8Array(0) } });
void WorkerPool.create({ session: { curl: { USERAGENT: 'pool', LOW_SPEED_TIME: 10 } } });

export { code, url, total, cookies, certs, legacy };
