// SPDX-License-Identifier: MIT
// libcurl-wasm/cli: curl() runs a command line in this process (a worker
// thread, no child process) against loopback servers, output in memory.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curl, templateArgs } from '../../ts/cli.js';
import { certs, patternBytes, sha256, startHttpServer, startHttpsServer } from '../fixtures/servers.js';
import { scratchDir, serversForFile } from '../fixtures/per-file.js';

const { http, https } = await serversForFile({ http: startHttpServer, https: startHttpsServer });
const dir = scratchDir('curl-wasm-inproc-');

describe('curl() from libcurl-wasm/cli', () => {
  it('resolves with the exit code, stdout as bytes and text, stderr', async () => {
    const r = await curl(['-sS', '-H', 'Accept: application/json', `${http.url}/inspect`]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(r.text())).toMatchObject({ method: 'GET', headers: { accept: 'application/json' } });
    expect(r.errorText()).toBe('');
    const bin = await curl(['-s', `${http.url}/bytes/300000`]);
    expect(sha256(bin.stdout)).toBe(sha256(patternBytes(300000)));
  });

  it("a failed transfer is curl's exit code and message, not a rejection", async () => {
    const r = await curl(['-sS', 'http://127.0.0.1:1/']);
    expect(r.exitCode).toBe(7);
    expect(r.errorText()).toMatch(/^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1/);
    const f = await curl(['-sSf', `${http.url}/status/404`]);
    expect(f.exitCode).toBe(22);
  });

  it('stdin as bytes, as text and as a path', async () => {
    const body = patternBytes(200000);
    const bytes = await curl(['-s', '--data-binary', '@-', `${http.url}/upload-sha256`], { stdin: body });
    expect(JSON.parse(bytes.text())).toMatchObject({ length: 200000, sha256: sha256(body) });
    const text = await curl(['-s', '--data-binary', '@-', `${http.url}/echo`], { stdin: 'héllo' });
    expect(text.text()).toBe('héllo');
    writeFileSync(join(dir, 'in.bin'), body);
    const path = await curl(['-s', '-T', '-', `${http.url}/upload-sha256`], { stdin: { path: join(dir, 'in.bin') } });
    expect(JSON.parse(path.text())).toMatchObject({ length: 200000, sha256: sha256(body) });
  });

  it('files as buffers in a working directory of its own, and what the tool wrote there', async () => {
    const r = await curl(
      ['-s', '-T', 'up/data.bin', `${http.url}/upload-sha256`, '-o', 'sum.json', '-c', 'jar.txt', '-L', `${http.url}/set-cookie`, '-o', 'cookie-body'],
      {
        files: { 'up/data.bin': patternBytes(5000) },
      },
    );
    expect(r.exitCode).toBe(0);
    expect(Object.keys(r.files).sort()).toEqual(['cookie-body', 'jar.txt', 'sum.json', join('up', 'data.bin')]);
    expect(JSON.parse(new TextDecoder().decode(r.files['sum.json']))).toMatchObject({ length: 5000, sha256: sha256(patternBytes(5000)) });
    await expect(curl(['-s', 'x'], { files: { '../x': 'no' } })).rejects.toThrow(TypeError);
  });

  it("cwd and env: relative paths and curl's environment variables, here the CA bundle", async () => {
    writeFileSync(join(dir, 'ca.pem'), certs.ca);
    const r = await curl(['-sS', `${https.url}/hello`, '-o', 'hello.txt'], { cwd: dir, env: { CURL_CA_BUNDLE: 'ca.pem' } });
    expect(r.errorText()).toBe('');
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'hello.txt'), 'utf8')).toBe('hello world');
  });

  it('runs several command lines at once, each with its own output', async () => {
    const runs = await Promise.all([1000, 2000, 3000].map((n) => curl(['-s', `${http.url}/bytes/${n}`])));
    expect(runs.map((r) => r.stdout.length)).toEqual([1000, 2000, 3000]);
  });

  it('the tagged-template form: literal text split on whitespace, each value one argument', async () => {
    const header = 'Accept: application/json';
    const r = await curl`-sS -H ${header} ${`${http.url}/inspect`}`;
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.text())).toMatchObject({ headers: { accept: 'application/json' } });
    const t = (strings: TemplateStringsArray, ...values: unknown[]) => templateArgs(strings, values);
    expect(t`-s  -H ${'a b'} x${'y z'}w ${['-o', 'out file']}
--compressed`).toEqual(['-s', '-H', 'a b', 'xy zw', '-o', 'out file', '--compressed']);
    expect(t`${''} "quoted text"`).toEqual(['', '"quoted', 'text"']);
  });

  it('curl.with(options): a runner with options of its own, in both forms', async () => {
    const withFiles = curl.with({ files: { 'body.txt': 'hello' } });
    const tagged = await withFiles`-sS --data-binary @body.txt ${`${http.url}/inspect`}`;
    expect(JSON.parse(tagged.text())).toMatchObject({ method: 'POST', body: 'hello' });
    // a run's options go over the runner's
    const over = await withFiles(['-sS', '--data-binary', '@body.txt', `${http.url}/inspect`], { files: { 'body.txt': 'other' } });
    expect(JSON.parse(over.text())).toMatchObject({ body: 'other' });
    const chained = withFiles.with({ stdin: 'from stdin' });
    const both = await chained`-sS --data-binary @- ${`${http.url}/inspect`}`;
    expect(JSON.parse(both.text())).toMatchObject({ body: 'from stdin' });
  });
});
