// SPDX-License-Identifier: MIT
// Wrong uses of the typed surface: each line after a `@ts-expect-error`
// must fail in tsc, and with the error its comment quotes (test/types.test.ts
// compiles this file once as is, where no directive may be unused, and once
// without the directives, matching each error to its line). Never run.
import { type CurlOptions, type Easy, fetch, type Multi, request, Session, type Share, WorkerPool } from '../../ts/index.js';

declare const easy: Easy;
declare const multi: Multi;
declare const share: Share;

// @ts-expect-error '"NOPE"' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt('NOPE', 1);
// @ts-expect-error '"yes"' is not assignable to parameter of type 'number | boolean'
easy.setOpt('FOLLOWLOCATION', 'yes');
// @ts-expect-error 'number' is not assignable to parameter of type 'string'
easy.setOpt('URL', 42);
// @ts-expect-error 'string' is not assignable to parameter of type 'readonly string[]'
easy.setOpt('HTTPHEADER', 'Accept: */*');
// @ts-expect-error 'boolean' is not assignable to parameter of type 'number'
easy.setOpt('HTTP_VERSION', true);
// @ts-expect-error '"CURLOPT_url"' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt('CURLOPT_url', 'https://example.com/');
// @ts-expect-error '"FollowLocation"' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt('FollowLocation', true);
// @ts-expect-error '"WRITEDATA"' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt('WRITEDATA', null);
// @ts-expect-error is not assignable to parameter of type 'null'
easy.setOpt('sslCtxFunction', () => 0);
// @ts-expect-error '"ERRORBUFFER"' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt('ERRORBUFFER', null);
// @ts-expect-error 'null' is not assignable to parameter of type
easy.setOpt('CAINFO_BLOB', null);
// @ts-expect-error '(a: string) => number' is not assignable to parameter of type 'WriteCallback'
easy.setOpt('WRITEFUNCTION', (a: string) => a.length);
declare const dynamicName: string;
// @ts-expect-error 'string' is not assignable to parameter of type 'EasyOptionKey'
easy.setOpt(dynamicName, 1);

// @ts-expect-error '"NOPE"' is not assignable to parameter of type 'InfoKey'
easy.getInfo('NOPE');
// @ts-expect-error '"TLS_SSL_PTR"' is not assignable to parameter of type 'InfoKey'
easy.getInfo('TLS_SSL_PTR');
// @ts-expect-error 'number' is not assignable to type 'string'
const url: string = easy.getInfo('RESPONSE_CODE');
// @ts-expect-error 'string | null' is not assignable to type 'string'
const ip: string = easy.getInfo('PRIMARY_IP');

// @ts-expect-error '"URL"' is not assignable to parameter of type 'MultiOptionKey<
multi.setOpt('URL', 'https://example.com/');
// @ts-expect-error '"on"' is not assignable to parameter of type 'number | boolean'
multi.setOpt('MAXCONNECTS', 'on');

// @ts-expect-error '"COOKIES"' is not assignable to parameter of type
share.share('COOKIES');

// @ts-expect-error 'NOPE' does not exist in type 'CurlOptions'
const bag: CurlOptions = { NOPE: 1 };
// @ts-expect-error 'string' is not assignable to type 'number | boolean | undefined'
void fetch('https://example.com/', { curl: { FOLLOWLOCATION: 'yes' } });
// @ts-expect-error 'string' is not assignable to type 'number | bigint | undefined'
void request('https://example.com/', { curl: { MAXFILESIZE_LARGE: '1' } });
// @ts-expect-error 'Share' is not assignable to type 'undefined'
void request('https://example.com/', { curl: { WRITEDATA: share } });
// @ts-expect-error 'followLocation' does not exist in type 'CurlOptions'
void new Session({ curl: { followLocation: true } });
// @ts-expect-error '(data: Uint8Array) => undefined' is not assignable to type 'undefined'
void WorkerPool.create({ session: { curl: { WRITEFUNCTION: (data: Uint8Array) => void data } } });

export { url, ip, bag };
