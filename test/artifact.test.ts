// SPDX-License-Identifier: MIT
// The committed wasm: its ABI, its exports and imports, and the options it
// was built with against the generated TypeScript table.
import { readFileSync } from 'node:fs';
import { init, WASI } from '@wasmer/wasi';
import { describe, expect, it } from 'vitest';
import { CURL_VERSION } from '../ts/curl/generated/enums.js';
import { ABI_VERSION, REQUIRED_EXPORTS } from '../ts/host/abi.js';
import { Easy, EASY_OPTIONS, Multi, Runtime, wasmerWasi } from '../ts/index.js';
import { startHttpServer } from './fixtures/servers.js';

const bytes = readFileSync(new URL('../wasm/libcurl.wasm', import.meta.url));
const module = new WebAssembly.Module(bytes);

describe('wasm/libcurl.wasm', () => {
  it('exports everything the host uses', () => {
    const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    for (const name of REQUIRED_EXPORTS) expect(names, name).toContain(name);
  });

  it('imports only the host ABI and WASI preview1', () => {
    const modules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
    expect([...modules].sort()).toEqual(['curlhost', 'wasi_snapshot_preview1']);
  });

  it('speaks this host ABI and reports its libraries', async () => {
    const rt = await Runtime.create({ module });
    expect(rt.exports.lcw_abi_version()).toBe(ABI_VERSION);
    expect(rt.version).toMatch(/^libcurl\/8\.14\.1 mbedTLS\/3\.6\.6 zlib\/1\.3\.1 brotli\/1\.1\.0 zstd\/1\.5\.7 HostIDN libpsl\/0\.21\.2 nghttp2\/1\.64\.0/);
    // struct curl_version_info_data { int age; const char *version; unsigned int version_num; const char *host; int features; ... }
    const features = rt.heap.u32(rt.exports.curl_version_info(0) + 16);
    expect(features & CURL_VERSION.CURL_VERSION_PSL, 'PSL: cookies for public suffixes are refused').toBeTruthy();
    expect(features & CURL_VERSION.CURL_VERSION_IDN, 'IDN: the host maps host names (curl patch 0008)').toBeTruthy();
  });

  it('has exactly the easy options the TypeScript table offers', async () => {
    const rt = await Runtime.create({ module });
    const { exports, heap } = rt;
    const built = new Map<string, number>();
    // struct curl_easyoption { const char *name; CURLoption id; curl_easytype type; unsigned int flags; }
    for (let opt = exports.curl_easy_option_next(0); opt; opt = exports.curl_easy_option_next(opt)) {
      const CURLOT_FLAG_ALIAS = 1;
      if (heap.u32(opt + 12) & CURLOT_FLAG_ALIAS) continue;
      built.set(heap.cstring(heap.u32(opt))!, heap.i32(opt + 4));
    }
    const table = new Map(Object.entries(EASY_OPTIONS).map(([k, v]) => [k, v.id]));
    expect(new Map([...built].sort())).toEqual(new Map([...table].sort()));
  });

  it('also runs under @wasmer/wasi', async () => {
    await init();
    const rt = await Runtime.create({ module, wasi: wasmerWasi(new WASI({ env: {}, args: [] })) });
    const server = await startHttpServer();
    const multi = new Multi(rt);
    const easy = new Easy(rt);
    let body = '';
    easy.setOpt('URL', `${server.url}/hello`).setOpt('WRITEFUNCTION', (d: Uint8Array) => void (body += Buffer.from(d).toString()));
    try {
      await multi.run(easy);
      expect(body).toBe('hello world');
    } finally {
      easy.close();
      multi.close();
      await server.close();
    }
  });
});
