// SPDX-License-Identifier: MIT
// The command lines test/tool/differential.test.ts runs through native curl and
// curl-wasm. A case that cannot match says why in `skip` (a difference the README
// documents) or `differs` (a divergence not fixed yet; the test fails once it is).
import { FILE_BODY } from './differential-server.js';

export interface Ctx {
  http: string;
  https: string;
  h2: string;
  diff: string;
  ftp: string;
  proxy: string;
  /** An HTTP proxy that wants `user:pass`. */
  authProxy: string;
  socks5: string;
  socks4: string;
  tftp: string;
  /** The test CA's PEM file (an absolute path). */
  ca: string;
  /** A loopback port nothing listens on. */
  closed: number;
  /** The two runs' working directories (masked as <cwd>). */
  scratch: { native: string; wasm: string };
  /** Forgets a /retry key of the differential server, so that each run sees the same failures. */
  forget: (key: string) => void;
}

export interface Case {
  name: string;
  args: (c: Ctx) => string[];
  /** Files made in each run's working directory first (relative paths; `in/` exists). */
  files?: (c: Ctx) => Record<string, string | Buffer>;
  stdin?: string;
  /** Environment variables for both runs (beside PATH, HOME=the working directory, LANG=C and TZ=UTC). */
  env?: (c: Ctx, cwd: string) => Record<string, string>;
  /** Run before each of the two runs. */
  before?: (c: Ctx) => void;
  /** More masking, after the common one (dates, elapsed times, working directories). */
  mask?: (s: string, c: Ctx) => string;
  skip?: string;
  differs?: string;
}

/** Keeps the request and response header lines of a -v trace (`>`, `<`), drops the `*` lines. */
const wireOnly = (s: string): string =>
  s
    .split('\n')
    .filter((l) => l.startsWith('> ') || l.startsWith('< '))
    .join('\n');
/** Times, speeds and the local port of -w output, and the version of the tool. */
const writeOut = (s: string): string =>
  s
    .replace(/"(time_\w+|speed_\w+|local_port|curl_version)":("[^"]*"|[^,}]*)/g, '"$1":*')
    // the certificate dump is the TLS library's (OpenSSL's or mbedTLS's fields and spelling)
    .replace(/"certs":"(?:[^"\\]|\\.)*"/g, '"certs":*')
    .replace(/\b\d+\.\d{6}\b/g, '*');
/**
 * The text after `curl: (N) ` where curl's TLS backend words it (vtls/openssl.c
 * and vtls/mbedtls.c fail the same check with different texts); the code stays.
 */
const tlsText = (s: string): string => s.replace(/^(curl: \(\d+\) ).*$/m, '$1<TLS backend text>');
/** A jar's expiry times: curl caps them at 400 days from now (RFC 6265bis), so they move with the clock. */
const expiry = (s: string): string => s.replace(/^((?:[^\t\n]*\t){4})[1-9]\d*\t/gm, '$1<expiry>\t');
/** curl's multipart boundary is random. */
const boundary = (s: string): string => s.replace(/-{20,}[0-9a-zA-Z]{10,}/g, '<boundary>');
/**
 * `--trace-ascii` without the `== Info:` lines the TLS stack and the resolver write
 * (and "Request completely sent off", which curl leaves out when the response is
 * already whole by then: a race, in native curl too).
 */
const traceData = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !l.includes('== Info:'))
    .join('\n');

const vars =
  '%{content_type}|%{errormsg}|%{exitcode}|%{filename_effective}|%{ftp_entry_path}|%{header{content-type}}|%{http_code}|' +
  '%{http_connect}|%{http_version}|%{method}|%{num_certs}|%{num_connects}|%{num_headers}|%{num_redirects}|%{num_retries}|' +
  '%{proxy_ssl_verify_result}|%{proxy_used}|%{redirect_url}|%{referer}|%{remote_ip}|%{remote_port}|%{response_code}|' +
  '%{scheme}|%{size_download}|%{size_header}|%{size_request}|%{size_upload}|%{ssl_verify_result}|%{url}|%{url_effective}|' +
  '%{url.host}|%{url.path}|%{url.query}|%{urle.port}|%{urlnum}|%{local_ip}|%{xfer_id}|%{conn_id}\\n';

export const cases: Case[] = [
  // plain transfers and what curl shows of them
  { name: 'GET to stdout', args: (c) => ['-sS', `${c.http}/hello`] },
  { name: '-i', args: (c) => ['-sSi', `${c.http}/headers`] },
  { name: '-I', args: (c) => ['-sSI', `${c.http}/hello`] },
  { name: '-I on a validator resource', args: (c) => ['-sSI', `${c.diff}/file`] },
  { name: '-D file -o file', args: (c) => ['-sS', '-D', 'head.txt', '-o', 'body.txt', `${c.http}/headers`] },
  { name: '-D - with -o', args: (c) => ['-sS', '-D', '-', '-o', 'body.txt', `${c.diff}/file`] },
  { name: '-X PATCH with a body', args: (c) => ['-sS', '-X', 'PATCH', '-d', 'x=1', `${c.http}/inspect`] },
  { name: '-X HEAD is refused as curl refuses it', args: (c) => ['-sS', '-X', 'HEAD', '--max-time', '5', `${c.diff}/file`] },
  { name: '--path-as-is', args: (c) => ['-sS', '--path-as-is', `${c.http}/x/../inspect`] },
  { name: 'dot segments squashed', args: (c) => ['-sS', `${c.http}/x/../inspect`] },
  { name: '--request-target', args: (c) => ['-sS', '--request-target', '/inspect?raw', `${c.http}/ignored`] },
  { name: '-A -e', args: (c) => ['-sS', '-A', 'agent/1', '-e', 'http://ref.example/', `${c.http}/inspect`] },
  { name: '-e ;auto with -L', args: (c) => ['-sSL', '-e', ';auto', `${c.http}/redirect?to=/inspect`] },
  { name: 'globbing with #1 output names', args: (c) => ['-sS', `${c.http}/status/{200,404}`, '-o', 'g_#1.txt'] },
  { name: 'globbing ranges to stdout', args: (c) => ['-sS', `${c.http}/bytes/[1-3]`] },
  { name: '--raw chunked', args: (c) => ['-sS', '--raw', `${c.http}/chunked/70`] },
  { name: 'file:// URL', args: (c) => ['-sS', `file://${c.ca}`] },
  { name: 'file:// -I', args: (c) => ['-sSI', `file://${c.ca}`], mask: (s) => s.replace(/^Last-Modified: .*$/m, 'Last-Modified: *') },

  // -w
  { name: '-w %{json}', args: (c) => ['-sS', '-o', 'out.bin', '-w', '%{json}', `${c.http}/hello`], mask: writeOut },
  { name: '-w %{json} over TLS', args: (c) => ['-sS', '--cacert', c.ca, '-o', 'out.bin', '-w', '%{json}', `${c.https}/hello`], mask: writeOut },
  { name: '-w %{json} after a failure', args: (c) => ['-sS', '-w', '%{json}', `http://127.0.0.1:${c.closed}/`], mask: writeOut },
  { name: '-w variables', args: (c) => ['-sS', '-o', 'out.bin', '-w', vars, `${c.http}/redirect?to=/hello`], mask: writeOut },
  { name: '-w variables with -L', args: (c) => ['-sSL', '-o', 'out.bin', '-w', vars, `${c.http}/redirect-chain/2?q=1`], mask: writeOut },
  {
    name: '-w %{header_json}',
    args: (c) => ['-sS', '-o', 'out.bin', '-w', '%{header_json}', `${c.http}/headers`],
    mask: (s) => s.replace(/"date":\["[^"]*"\]/, '"date":*'),
  },
  {
    name: '-w @file with %{stderr} and %{onerror}',
    files: () => ({ 'in/fmt': '%{onerror}failed: %{errormsg}\\n%{stderr}%{exitcode}\\n' }),
    args: (c) => ['-s', '-w', '@in/fmt', `http://127.0.0.1:${c.closed}/`],
  },
  {
    name: '-w %{certs} (TLS stack)',
    args: () => [],
    skip: "certificate dumps and cipher names are the TLS library's (README, Known issues: host TLS reports OpenSSL's names, mbedTLS its own)",
  },

  // redirects
  { name: '-L chain', args: (c) => ['-sSL', `${c.http}/redirect-chain/3`] },
  { name: '-L -i shows every head', args: (c) => ['-sSLi', `${c.http}/redirect-chain/2`] },
  { name: '--max-redirs exceeded', args: (c) => ['-sSL', '--max-redirs', '1', `${c.http}/redirect-chain/3`] },
  { name: '307 keeps the POST', args: (c) => ['-sSL', '-d', 'x=1', `${c.http}/redirect?status=307&to=/inspect`] },
  { name: '302 turns POST into GET', args: (c) => ['-sSL', '-d', 'x=1', `${c.http}/redirect?status=302&to=/inspect`] },
  { name: '--post302', args: (c) => ['-sSL', '--post302', '-d', 'x=1', `${c.http}/redirect?status=302&to=/inspect`] },

  // encodings
  ...['gzip', 'deflate', 'br', 'zstd'].map((e): Case => ({ name: `--compressed ${e}`, args: (c) => ['-sS', '--compressed', `${c.http}/${e}`] })),
  { name: 'gzip without --compressed stays raw', args: (c) => ['-sS', `${c.http}/gzip`] },
  { name: '--compressed Accept-Encoding', args: (c) => ['-sS', '--compressed', `${c.http}/inspect`] },

  // ranges, resume, conditions, etags
  { name: '-r', args: (c) => ['-sS', '-r', '10-19', `${c.diff}/file`] },
  { name: '-r suffix', args: (c) => ['-sS', '-r', '-5', `${c.diff}/file`] },
  { name: '-r unsatisfiable', args: (c) => ['-sS', '-r', '200-300', '-w', '%{http_code}', `${c.diff}/file`] },
  {
    name: '-C - resumes a partial file',
    files: () => ({ 'part.bin': FILE_BODY.subarray(0, 40) }),
    args: (c) => ['-sS', '-C', '-', '-o', 'part.bin', `${c.diff}/file`],
  },
  { name: '-C - on a complete file', files: () => ({ 'part.bin': FILE_BODY }), args: (c) => ['-sS', '-C', '-', '-o', 'part.bin', `${c.diff}/file`] },
  { name: '-C 90', args: (c) => ['-sS', '-C', '90', `${c.diff}/file`] },
  { name: '-z date, not modified since', args: (c) => ['-sS', '-z', 'Tue, 02 Jan 2024 03:04:05 GMT', '-w', '%{http_code}', `${c.diff}/file`] },
  { name: '-z older date', args: (c) => ['-sS', '-z', '2020-01-01', '-w', '%{http_code}', `${c.diff}/file`] },
  { name: '-z -date (unmodified since)', args: (c) => ['-sS', '-z', '-2020-01-01', '-w', '%{http_code}', `${c.diff}/file`] },
  { name: '-z bad date', args: (c) => ['-sS', '-z', 'not a date', '-w', '%{http_code}', `${c.diff}/file`] },
  { name: '--etag-save', args: (c) => ['-sS', '--etag-save', 'etag.txt', '-o', 'out.bin', `${c.diff}/file`] },
  {
    name: '--etag-compare',
    files: () => ({ 'etag.txt': '"v1"\n' }),
    args: (c) => ['-sS', '--etag-compare', 'etag.txt', '-w', '%{http_code}', `${c.diff}/file`],
  },
  { name: '--etag-compare with a missing file', args: (c) => ['-sS', '--etag-compare', 'none.txt', '-w', '%{http_code}', '-o', 'out.bin', `${c.diff}/file`] },

  // output files
  { name: '-O', args: (c) => ['-sS', '-O', `${c.diff}/file`] },
  { name: '-OJ', args: (c) => ['-sS', '-OJ', `${c.diff}/cd`] },
  { name: '--output-dir --create-dirs', args: (c) => ['-sS', '--output-dir', 'out/deep', '--create-dirs', '-O', `${c.diff}/file`] },
  { name: '-o into new directories', args: (c) => ['-sS', '--create-dirs', '-o', 'a/b/c.txt', `${c.http}/hello`] },
  { name: '-o into a missing directory', args: (c) => ['-sS', '-o', 'nodir/c.txt', `${c.http}/hello`] },
  { name: '--no-clobber', files: () => ({ 'x.txt': 'old\n' }), args: (c) => ['-sS', '--no-clobber', '-o', 'x.txt', `${c.http}/hello`] },
  { name: '--skip-existing', files: () => ({ 'x.txt': 'old\n' }), args: (c) => ['-sS', '--skip-existing', '-o', 'x.txt', `${c.http}/hello`] },
  { name: '--remove-on-error', args: (c) => ['-sS', '--remove-on-error', '--max-filesize', '100', '-o', 'big.bin', `${c.http}/chunked/5000`] },
  { name: '--remote-name-all', args: (c) => ['-sS', '--remote-name-all', `${c.diff}/file`, `${c.diff}/cd`] },
  { name: '-O without a file name', args: (c) => ['-sS', '-O', `${c.http}/`] },
  { name: '--stderr file', args: (c) => ['-sS', '--stderr', 'err.txt', `http://127.0.0.1:${c.closed}/`] },

  // uploads and bodies
  { name: '-T file', files: () => ({ 'in/up.txt': 'upload me\n' }), args: (c) => ['-sS', '-T', 'in/up.txt', `${c.http}/inspect`] },
  { name: '-T file to a URL ending in /', files: () => ({ 'in/up.txt': 'upload me\n' }), args: (c) => ['-sS', '-T', 'in/up.txt', `${c.http}/inspect/`] },
  { name: '-T - from stdin', stdin: 'from stdin\n', args: (c) => ['-sS', '-T', '-', `${c.http}/inspect`] },
  { name: '-T missing file', args: (c) => ['-sS', '-T', 'in/none.txt', `${c.http}/inspect`] },
  {
    name: '-F fields and a file',
    files: () => ({ 'in/f.txt': 'file part\n' }),
    args: (c) => ['-sS', '-F', 'a=1', '-F', 'f=@in/f.txt;type=text/x-test', '-F', 'g=<in/f.txt', `${c.http}/inspect`],
    mask: boundary,
  },
  {
    name: '-F with a filename and headers',
    files: () => ({ 'in/f.txt': 'file part\n' }),
    args: (c) => ['-sS', '-F', 'f=@in/f.txt;filename=other.bin;headers="X-P: 1"', `${c.http}/inspect`],
    mask: boundary,
  },
  { name: '--form-string', args: (c) => ['-sS', '--form-string', 'a=@not-a-file', `${c.http}/inspect`], mask: boundary },
  { name: '-d twice', args: (c) => ['-sS', '-d', 'a=1', '-d', 'b=2', `${c.http}/inspect`] },
  { name: '-d @file strips newlines', files: () => ({ 'in/d.txt': 'line1\r\nline2\n' }), args: (c) => ['-sS', '-d', '@in/d.txt', `${c.http}/inspect`] },
  { name: '--data-binary @file', files: () => ({ 'in/d.txt': 'line1\r\nline2\n' }), args: (c) => ['-sS', '--data-binary', '@in/d.txt', `${c.http}/inspect`] },
  { name: '--data-raw keeps @', args: (c) => ['-sS', '--data-raw', '@x', `${c.http}/inspect`] },
  {
    name: '--data-urlencode forms',
    files: () => ({ 'in/d.txt': 'a b&c\n' }),
    args: (c) => [
      '-sS',
      '--data-urlencode',
      'q=a b&c',
      '--data-urlencode',
      '=x y',
      '--data-urlencode',
      'n@in/d.txt',
      '--data-urlencode',
      'plain',
      `${c.http}/inspect`,
    ],
  },
  { name: '-d @- from stdin', stdin: 'a=1\n&b=2\n', args: (c) => ['-sS', '-d', '@-', `${c.http}/inspect`] },
  { name: '-G -d', args: (c) => ['-sS', '-G', '-d', 'a=1', '--data-urlencode', 'b=x y', `${c.http}/inspect?z=0`] },
  { name: '--json', args: (c) => ['-sS', '--json', '{"a":1}', '--json', '{"b":2}', `${c.http}/inspect`] },
  {
    name: '--json @file with Accept overridden',
    files: () => ({ 'in/j.json': '{"f":true}\n' }),
    args: (c) => ['-sS', '--json', '@in/j.json', '-H', 'Accept: text/plain', `${c.http}/inspect`],
  },
  { name: '-d @missing', args: (c) => ['-sS', '-d', '@in/none', `${c.http}/inspect`] },

  // headers
  {
    name: '-H edge cases',
    args: (c) => [
      '-sS',
      '-H',
      'X-A: 1',
      '-H',
      'X-Empty;',
      '-H',
      'User-Agent:',
      '-H',
      'Accept:',
      '-H',
      'X-Spaced:   v  ',
      '-H',
      'Host: custom.example',
      `${c.http}/inspect`,
    ],
  },
  {
    name: '-H @file',
    files: () => ({ 'in/h.txt': 'X-From-File: 1\r\nX-Two: 2\n\n# not a comment\n' }),
    args: (c) => ['-sS', '-H', '@in/h.txt', `${c.http}/inspect`],
  },
  { name: '-H without a colon is ignored', args: (c) => ['-sS', '-H', 'nocolon', `${c.http}/inspect`] },
  { name: '--oauth2-bearer', args: (c) => ['-sS', '--oauth2-bearer', 'tok', `${c.http}/inspect`] },
  { name: '-u basic', args: (c) => ['-sS', '-u', 'user:pass', `${c.http}/auth/basic`] },
  { name: '-u wrong with -f', args: (c) => ['-sSf', '-u', 'user:wrong', `${c.http}/auth/basic`] },
  {
    name: '--netrc-file',
    files: () => ({ 'in/netrc': 'machine 127.0.0.1 login user password pass\n' }),
    args: (c) => ['-sS', '--netrc-file', 'in/netrc', `${c.http}/auth/basic`],
  },
  { name: '--netrc-file missing', args: (c) => ['-sS', '--netrc-file', 'in/none', `${c.http}/auth/basic`] },
  {
    name: '--url-query',
    args: (c) => ['-sS', '--url-query', 'a=b c', '--url-query', '+raw=1&2', '--url-query', 'n@in/q.txt', `${c.http}/inspect?z=0`],
    files: () => ({ 'in/q.txt': 'x&y' }),
  },

  // variables
  {
    name: '--variable and --expand-*',
    files: () => ({ 'in/v.txt': '  spaced value \n' }),
    args: (c) => [
      '-sS',
      '--variable',
      'name=a b"c',
      '--variable',
      'f@in/v.txt',
      '--variable',
      'part[2-5]@in/v.txt',
      '--expand-url',
      `${c.http}/inspect?{{name:url}}`,
      '--expand-data',
      '{{name:json}}|{{f:trim:url}}|{{part}}|{{name:b64}}|{{f:trim:64dec}}',
      '--expand-header',
      'X-V: {{name:trim}}',
    ],
  },
  {
    name: '--variable %ENV and defaults',
    args: (c) => ['-sS', '--variable', '%NOPE=dflt', '--variable', '%LANG', '--expand-data', '{{NOPE}}-{{LANG}}', `${c.http}/inspect`],
  },
  { name: '--variable missing env', args: (c) => ['-sS', '--variable', '%NOPE', `${c.http}/hello`] },
  { name: '--expand with an unknown variable', args: (c) => ['-sS', '--expand-data', '[{{nope}}]', `${c.http}/inspect`] },

  // config files
  {
    name: '-K file',
    files: (c) => ({ 'in/cfg': `url = "${c.http}/inspect"\nsilent\nheader = "X-Cfg: 1"\n-d "a=1"\n# comment\n` }),
    args: () => ['-K', 'in/cfg'],
  },
  { name: '-K - from stdin', stdin: '--silent\n--head\n', args: (c) => ['-K', '-', `${c.http}/hello`] },
  { name: '-K missing', args: (c) => ['-sS', '-K', 'in/none', `${c.http}/hello`] },
  { name: '.curlrc in $HOME', files: () => ({ '.curlrc': '-H "X-Rc: 1"\n' }), args: (c) => ['-sS', `${c.http}/inspect`] },
  { name: '-q skips .curlrc', files: () => ({ '.curlrc': '-H "X-Rc: 1"\n' }), args: (c) => ['-q', '-sS', `${c.http}/inspect`] },

  // several transfers
  { name: '--parallel', args: (c) => ['-sS', '-Z', `${c.http}/hello`, '-o', 'a.txt', `${c.http}/headers`, '-o', 'b.txt', `${c.diff}/file`, '-o', 'c.txt'] },
  {
    name: '--parallel with a failure',
    args: (c) => ['-sS', '-Z', '--parallel-max', '1', `${c.http}/hello`, '-o', 'a.txt', `http://127.0.0.1:${c.closed}/`, '-o', 'b.txt'],
  },
  { name: 'sequential with --next', args: (c) => ['-sS', `${c.http}/hello`, '--next', '-d', 'x=1', `${c.http}/inspect`] },
  { name: '--fail-early', args: (c) => ['-sSf', '--fail-early', `${c.http}/status/500`, `${c.http}/hello`] },
  {
    name: '--retry on 503',
    before: (c) => c.forget('r1'),
    args: (c) => ['-sS', '--retry', '2', '--retry-delay', '1', '-w', '%{num_retries} %{http_code}\\n', `${c.diff}/retry?key=r1&n=1`],
  },
  {
    name: '--retry gives up',
    before: (c) => c.forget('r2'),
    args: (c) => ['-sS', '--retry', '1', '--retry-delay', '1', '-w', '%{num_retries} %{http_code}\\n', `${c.diff}/retry?key=r2&n=3`],
  },
  {
    name: '--retry on a refused connection without --retry-connrefused',
    args: (c) => ['-sS', '--retry', '1', '--retry-delay', '1', `http://127.0.0.1:${c.closed}/`],
  },

  // failures and limits
  { name: '-f on 404', args: (c) => ['-sSf', `${c.http}/status/404`] },
  { name: '--fail-with-body', args: (c) => ['-sS', '--fail-with-body', `${c.diff}/fail`] },
  { name: '--max-filesize with Content-Length', args: (c) => ['-sS', '--max-filesize', '100', `${c.diff}/big`] },
  { name: '--max-filesize while chunked', args: (c) => ['-sS', '--max-filesize', '100', '-o', 'big.bin', `${c.http}/chunked/5000`] },
  { name: '--max-time', args: (c) => ['-sS', '--max-time', '0.5', `${c.http}/slow?ms=5000`] },
  { name: 'empty reply', args: (c) => ['-sS', `${c.http}/drop`] },
  { name: 'refused connection', args: (c) => ['-sS', `http://127.0.0.1:${c.closed}/`] },
  { name: 'unresolvable host', args: () => ['-sS', 'http://nonexistent.invalid/'] },
  { name: 'bad URL', args: () => ['-sS', 'http://[::1/'] },
  { name: 'bad port', args: () => ['-sS', 'http://127.0.0.1:99999/'] },
  { name: 'unsupported scheme', args: () => ['-sS', 'nope://x/'] },
  { name: '--proto refuses', args: (c) => ['-sS', '--proto', '=https', `${c.http}/hello`] },
  { name: '--proto-redir refuses', args: (c) => ['-sSL', '--proto-redir', '=https', `${c.http}/redirect?to=${encodeURIComponent(`${c.http}/hello`)}`] },
  { name: 'unknown option', args: () => ['--nope'] },
  { name: 'missing option argument', args: () => ['-o'] },
  { name: 'bad number', args: (c) => ['--retry', 'abc', `${c.http}/hello`] },
  { name: 'no URL', args: () => ['-sS'] },
  { name: 'no arguments', args: () => [] },
  {
    name: 'progress meter off a terminal',
    args: (c) => ['-o', 'out.bin', `${c.diff}/file`],
    mask: (s) =>
      s
        .replace(/\r/g, '\n')
        .replace(/^.*\d.*$/gm, '<meter>')
        .replace(/(<meter>\n)+/g, '<meter>\n'),
  },

  // cookies
  { name: '-c jar', mask: expiry, args: (c) => ['-sS', '-c', 'jar.txt', `${c.diff}/cookies`] },
  { name: '-b string', args: (c) => ['-sS', '-b', 'a=1; b=2', `${c.http}/cookies`] },
  {
    name: '-b jar -c jar round trip',
    files: () => ({ 'jar.txt': '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\told\tv\n' }),
    args: (c) => ['-sS', '-b', 'jar.txt', '-c', 'jar.txt', `${c.http}/set-cookie`, '--next', '-b', 'jar.txt', `${c.http}/cookies`],
  },
  { name: '-b missing file as cookie engine start', args: (c) => ['-sS', '-b', 'none.txt', '-c', 'jar.txt', '-L', `${c.http}/set-cookie`] },
  {
    name: '-j junk session cookies',
    files: () => ({ 'jar.txt': '127.0.0.1\tFALSE\t/\tFALSE\t0\tsess\tv\n127.0.0.1\tFALSE\t/\tFALSE\t2145916800\tkeep\tv\n' }),
    args: (c) => ['-sS', '-j', '-b', 'jar.txt', `${c.http}/cookies`],
  },

  // proxies and routing
  { name: '-x HTTP proxy', args: (c) => ['-sS', '-x', c.proxy, `${c.http}/inspect`] },
  { name: '-x CONNECT to TLS', args: (c) => ['-sS', '-x', c.proxy, '--cacert', c.ca, '-w', '%{http_connect}', `${c.https}/hello`] },
  { name: '-p -x tunnel for HTTP', args: (c) => ['-sS', '-p', '-x', c.proxy, `${c.http}/hello`] },
  { name: '-x with credentials', args: (c) => ['-sS', '-x', c.authProxy, '-U', 'user:pass', `${c.http}/inspect`] },
  { name: '-x wrong credentials', args: (c) => ['-sS', '-x', c.authProxy, '-U', 'user:nope', '-w', '%{http_code} %{proxy_used}', `${c.http}/inspect`] },
  { name: '-x credentials for CONNECT, wrong', args: (c) => ['-sS', '-x', c.authProxy, '-U', 'user:nope', '--cacert', c.ca, `${c.https}/hello`] },
  { name: '--socks5', args: (c) => ['-sS', '--socks5', c.socks5.replace('socks5://', ''), `${c.http}/inspect`] },
  { name: '-x socks5h://', args: (c) => ['-sS', '-x', c.socks5.replace('socks5:', 'socks5h:'), '--cacert', c.ca, `${c.https}/hello`] },
  { name: '-x socks4a://', args: (c) => ['-sS', '-x', c.socks4.replace('socks4:', 'socks4a:'), `${c.http}/hello`] },
  { name: 'refused SOCKS proxy', args: (c) => ['-sS', '-x', `socks5://127.0.0.1:${c.closed}`, `${c.http}/hello`] },
  { name: '--noproxy', args: (c) => ['-sS', '-x', `http://127.0.0.1:${c.closed}`, '--noproxy', '127.0.0.1', `${c.http}/hello`] },
  { name: 'refused proxy', args: (c) => ['-sS', '-x', `http://127.0.0.1:${c.closed}`, `${c.http}/hello`] },
  {
    name: '--resolve',
    args: (c) => ['-sS', '--resolve', `example.test:${new URL(c.http).port}:127.0.0.1`, `http://example.test:${new URL(c.http).port}/inspect`],
  },
  { name: '--connect-to', args: (c) => ['-sS', '--connect-to', `::127.0.0.1:${new URL(c.http).port}`, 'http://other.test/inspect'] },
  {
    name: '--resolve for TLS',
    args: (c) => ['-sS', '--cacert', c.ca, '--resolve', `a.test:${new URL(c.https).port}:127.0.0.1`, `https://a.test:${new URL(c.https).port}/hello`],
  },
  {
    name: 'TLS name mismatch',
    mask: tlsText,
    args: (c) => ['-sS', '--cacert', c.ca, '--resolve', `zzz.example:${new URL(c.https).port}:127.0.0.1`, `https://zzz.example:${new URL(c.https).port}/hello`],
  },
  { name: '-4', args: (c) => ['-sS', '-4', `${c.http}/hello`] },
  { name: '-6 to an IPv4 literal', args: (c) => ['-sS', '-6', `${c.http}/hello`] },
  { name: '--unix-socket', args: () => [], skip: 'no Unix sockets (README, The curl-wasm command: differences from a native curl)' },

  // TLS
  { name: '--cacert', args: (c) => ['-sS', '--cacert', c.ca, `${c.https}/hello`] },
  { name: '-k', args: (c) => ['-sSk', `${c.https}/hello`] },
  { name: 'untrusted server', mask: tlsText, args: (c) => ['-sS', '-w', '%{exitcode}', `${c.https}/hello`] },
  {
    name: '%{ssl_verify_result} of a failed verification',
    args: () => [],
    skip: "CURLINFO_SSL_VERIFYRESULT is OpenSSL's and GnuTLS's only (its man page, TLS-backend); curl's mbedTLS backend leaves it 0",
  },
  { name: 'wrong --cacert file', args: (c) => ['-s', '-w', '%{exitcode}', '--cacert', 'in/none.pem', `${c.https}/hello`] },
  {
    name: '--pinnedpubkey wrong',
    mask: tlsText,
    args: (c) => ['-sS', '--cacert', c.ca, '--pinnedpubkey', 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', `${c.https}/hello`],
  },
  { name: '--tlsv1.3', args: (c) => ['-sS', '--cacert', c.ca, '--tlsv1.3', '-w', '%{http_version}', `${c.https}/hello`] },
  { name: '--tls-max below --tlsv1.3', args: (c) => ['-sS', '--cacert', c.ca, '--tlsv1.3', '--tls-max', '1.2', `${c.https}/hello`] },
  { name: 'https:// through -k -I', args: (c) => ['-sSkI', `${c.https}/hello`] },

  // HTTP versions
  { name: 'HTTP/2 by ALPN', args: (c) => ['-sS', '--cacert', c.ca, '-i', '-w', '%{http_version}', `${c.h2}/headers`] },
  { name: '--http1.1 to an HTTP/2 server', args: (c) => ['-sS', '--cacert', c.ca, '--http1.1', '-w', '%{http_version}', `${c.h2}/hello`] },
  { name: '--http2 upgrade over cleartext', args: (c) => ['-sS', '--http2', '-w', '%{http_version}', `${c.http}/hello`] },
  // the server's 400 and FIN may arrive before the request is written: that write must not fail (EPIPE, exit 55)
  { name: '--http2-prior-knowledge to an HTTP/1 server', args: (c) => ['-sS', '--http2-prior-knowledge', `${c.http}/hello`] },
  { name: '--http1.0', args: (c) => ['-sS', '--http1.0', '-i', `${c.diff}/file`] },
  { name: '-v header lines', args: (c) => ['-sSv', '-d', 'x=1', `${c.http}/hello`], mask: (s) => wireOnly(s) },
  { name: '-v header lines over HTTP/2', args: (c) => ['-sSv', '--cacert', c.ca, `${c.h2}/hello`], mask: (s) => wireOnly(s) },
  { name: '--trace-ascii', args: (c) => ['-sS', '--trace-ascii', 'trace.txt', `${c.diff}/file`], mask: traceData },

  // FTP
  { name: 'FTP download', args: (c) => ['-sS', `${c.ftp}/file.txt`] },
  { name: 'FTP listing', args: (c) => ['-sS', `${c.ftp}/dir/`] },
  { name: 'FTP -l names only', args: (c) => ['-sS', '-l', `${c.ftp}/dir/`] },
  { name: 'FTP -I', args: (c) => ['-sSI', `${c.ftp}/file.txt`] },
  { name: 'FTP range', args: (c) => ['-sS', '-r', '4-7', `${c.ftp}/file.txt`] },
  { name: 'FTP missing file', args: (c) => ['-sS', `${c.ftp}/none.txt`] },
  {
    name: 'FTP upload',
    files: () => ({ 'in/up.txt': 'up\n' }),
    args: (c) => ['-sS', '-T', 'in/up.txt', `${c.ftp}/uploaded.txt`, '--next', '-sS', `${c.ftp}/uploaded.txt`],
  },
  { name: 'FTP active mode', args: (c) => ['-sS', '-P', '127.0.0.1', `${c.ftp}/file.txt`] },
  { name: 'FTP --ssl-reqd', args: (c) => ['-sS', '--ssl-reqd', `${c.ftp}/file.txt`] },
  { name: 'FTP -w', args: (c) => ['-sS', '-o', 'f.txt', '-w', '%{ftp_entry_path} %{response_code} %{size_download}', `${c.ftp}/file.txt`] },

  // TFTP
  { name: 'TFTP download', args: (c) => ['-sS', `${c.tftp}/t.txt`] },
  { name: 'TFTP missing file', args: (c) => ['-sS', `${c.tftp}/none.txt`] },

  // more options
  { name: '--trace hex', args: (c) => ['-sS', '--trace', 'trace.txt', `${c.diff}/file`], mask: traceData },
  { name: '--trace-ascii - with --trace-ids', args: (c) => ['-sS', '--trace-ascii', '-', '--trace-ids', '-o', 'out.bin', `${c.diff}/file`], mask: traceData },
  { name: '-w %output{file}', args: (c) => ['-sS', '-o', 'out.bin', '-w', '%output{w.txt}%{http_code}\n%output{>>w.txt}%{size_download}', `${c.diff}/file`] },
  { name: '-w %{header{x-multi}}', args: (c) => ['-sS', '-o', 'out.bin', '-w', '[%{header{x-multi}}][%{header{nope}}]', `${c.http}/headers`] },
  { name: '--url @file', files: (c) => ({ 'in/urls': `${c.http}/hello\n# skip\n${c.diff}/file\n` }), args: () => ['-sS', '--url', '@in/urls'] },
  { name: '--ignore-content-length', args: (c) => ['-sS', '--ignore-content-length', `${c.diff}/file`] },
  { name: '--crlf upload', files: () => ({ 'in/up.txt': 'a\nb\n' }), args: (c) => ['-sS', '--crlf', '-T', 'in/up.txt', `${c.http}/inspect`] },
  {
    name: '-H Expect with -T',
    files: () => ({ 'in/up.txt': 'x'.repeat(2000) }),
    args: (c) => ['-sS', '-H', 'Expect: 100-continue', '-T', 'in/up.txt', `${c.http}/upload-sha256`],
  },
  { name: '--tr-encoding', args: (c) => ['-sS', '--tr-encoding', `${c.http}/inspect`] },
  { name: '--no-keepalive and --no-buffer', args: (c) => ['-sSN', '--no-keepalive', `${c.http}/hello`] },
  { name: '--alt-svc file', args: (c) => ['-sS', '--alt-svc', 'altsvc.txt', `${c.http}/hello`] },
  { name: '--hsts file over http', args: (c) => ['-sS', '--hsts', 'hsts.txt', `${c.diff}/hsts`] },
  { name: '--hsts file over https', args: (c) => ['-sS', '--hsts', 'hsts.txt', '--cacert', c.ca, `${c.https}/hello`] },
  { name: 'FTP -Q quote', args: (c) => ['-sS', '-Q', 'NOOP', `${c.ftp}/file.txt`] },
  { name: 'FTP -B', args: (c) => ['-sS', '-B', `${c.ftp}/file.txt`] },
  { name: 'IPFS without a gateway', args: () => ['-sS', 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'] },
  { name: 'ws:// without a server', args: (c) => ['-sS', `ws://127.0.0.1:${c.closed}/`] },
  { name: 'ws:// to an HTTP server', args: (c) => ['-sS', `ws://${new URL(c.http).host}/hello`] },

  {
    name: '-E client certificate',
    args: (c) => ['-sS', '--cacert', c.ca, '-E', c.ca.replace('ca.pem', 'server.pem'), '--key', c.ca.replace('ca.pem', 'server-key.pem'), `${c.https}/hello`],
  },
  { name: '-E missing file', mask: tlsText, args: (c) => ['-sS', '--cacert', c.ca, '-E', 'in/none.pem', `${c.https}/hello`] },
  {
    name: '--capath of unhashed files',
    args: () => [],
    skip: 'OpenSSL reads only c_rehash names (HASH.0) from --capath, mbedTLS every file in it (curl.1, --capath)',
  },
  { name: '--connect-timeout to a refused port', args: (c) => ['-sS', '--connect-timeout', '2', `http://127.0.0.1:${c.closed}/`] },
  { name: '--dns-servers (no c-ares)', args: (c) => ['-sS', '--dns-servers', '127.0.0.1', `${c.http}/hello`] },
  { name: '--doh-url to a refused port', args: (c) => ['-sS', '--doh-url', `http://127.0.0.1:${c.closed}/dns`, 'http://doh.test/'] },
  { name: '--interface', args: (c) => ['-sS', '--interface', '127.0.0.1', `${c.http}/hello`] },
  { name: '--local-port', args: (c) => ['-sS', '--local-port', '40000-40999', `${c.http}/hello`] },
  { name: 'credentials in the URL', args: (c) => ['-sS', `http://user:pass@${new URL(c.http).host}/auth/basic`] },
  { name: '--disallow-username-in-url', args: (c) => ['-sS', '--disallow-username-in-url', `http://user:pass@${new URL(c.http).host}/auth/basic`] },
  { name: '--anyauth', args: (c) => ['-sS', '--anyauth', '-u', 'user:pass', `${c.http}/auth/basic`] },
  { name: '--ntlm type-1 message', args: (c) => ['-sS', '--ntlm', '-u', 'a:b', `${c.http}/inspect`] },
  { name: '--digest without a challenge', args: (c) => ['-sS', '--digest', '-u', 'a:b', `${c.http}/inspect`] },
  { name: '--location-trusted', args: (c) => ['-sSL', '--location-trusted', '-u', 'user:pass', `${c.http}/redirect?to=/inspect`] },
  {
    name: '-u not sent to another host on redirect',
    args: (c) => ['-sSL', '-u', 'user:pass', `${c.http}/redirect?to=${encodeURIComponent(`http://localhost:${new URL(c.http).port}/inspect`)}`],
  },
  { name: '--proto-default', args: (c) => ['-sS', '--proto-default', 'http', `${new URL(c.http).host}/hello`] },
  { name: 'no scheme guesses http', args: (c) => ['-sS', `${new URL(c.http).host}/hello`] },
  { name: '--haproxy-protocol', args: (c) => ['-sS', '--haproxy-protocol', '--haproxy-clientip', '10.0.0.1', `${c.diff}/file`] },
  { name: '-g with brackets', args: (c) => ['-sS', '-g', `${c.http}/inspect?a[]=1`] },
  { name: 'brackets without -g', args: (c) => ['-sS', `${c.http}/inspect?a[]=1`] },
  { name: '-T glob', files: () => ({ 'in/a.txt': 'a\n', 'in/b.txt': 'b\n' }), args: (c) => ['-sS', '-T', 'in/{a,b}.txt', `${c.http}/upload-sha256/`] },
  {
    name: 'FTP --ftp-create-dirs',
    files: () => ({ 'in/up.txt': 'up\n' }),
    args: (c) => ['-sS', '--ftp-create-dirs', '-T', 'in/up.txt', `${c.ftp}/newdir/sub/up2.txt`],
  },
  { name: 'FTP --ftp-method singlecwd', args: (c) => ['-sS', '--ftp-method', 'singlecwd', `${c.ftp}/dir/a.txt`] },
  { name: 'FTP --ftp-method nocwd', args: (c) => ['-sS', '--ftp-method', 'nocwd', `${c.ftp}/dir/a.txt`] },
  { name: '--metalink is gone', args: (c) => ['-sS', '--metalink', `${c.http}/hello`] },
  { name: '--styled-output -i', args: (c) => ['-sS', '--styled-output', '-i', `${c.diff}/file`] },
  { name: '-: --next parallel groups', args: (c) => ['-sS', '-:', `${c.http}/hello`, '-:', `${c.diff}/file`] },
  { name: '--max-redirs -1', args: (c) => ['-sSL', '--max-redirs', '-1', `${c.http}/redirect-chain/3`] },

  // the environment
  { name: 'CURL_CA_BUNDLE', env: (c) => ({ CURL_CA_BUNDLE: c.ca }), args: (c) => ['-sS', `${c.https}/hello`] },
  { name: 'SSL_CERT_FILE', env: (c) => ({ SSL_CERT_FILE: c.ca }), args: (c) => ['-sS', `${c.https}/hello`] },
  { name: '--cacert beats CURL_CA_BUNDLE', env: () => ({ CURL_CA_BUNDLE: 'in/none.pem' }), args: (c) => ['-sS', '--cacert', c.ca, `${c.https}/hello`] },
  { name: 'http_proxy', env: (c) => ({ http_proxy: c.proxy }), args: (c) => ['-sS', '-w', '%{proxy_used}', `${c.http}/inspect`] },
  { name: 'HTTP_PROXY in upper case is ignored', env: (c) => ({ HTTP_PROXY: `http://127.0.0.1:${c.closed}` }), args: (c) => ['-sS', `${c.http}/hello`] },
  { name: 'no_proxy', env: (c) => ({ http_proxy: `http://127.0.0.1:${c.closed}`, no_proxy: '127.0.0.1' }), args: (c) => ['-sS', `${c.http}/hello`] },
  { name: 'all_proxy socks5h', env: (c) => ({ all_proxy: c.socks5.replace('socks5:', 'socks5h:') }), args: (c) => ['-sS', `${c.http}/hello`] },
  {
    name: 'CURL_HOME .curlrc',
    env: (_, cwd) => ({ CURL_HOME: `${cwd}/in` }),
    files: () => ({ 'in/.curlrc': '-H "X-Rc: 1"\n' }),
    args: (c) => ['-sS', `${c.http}/inspect`],
  },
  {
    name: 'XDG_CONFIG_HOME curlrc',
    env: () => ({ XDG_CONFIG_HOME: 'in' }),
    files: () => ({ 'in/.curlrc': '-H "X-Xdg: 1"\n' }),
    args: (c) => ['-sS', `${c.http}/inspect`],
  },

  // combinations
  { name: '-o - explicit', args: (c) => ['-sS', '-o', '-', `${c.http}/hello`] },
  { name: '-F from stdin', stdin: 'stdin part\n', args: (c) => ['-sS', '-F', 'a=@-', `${c.http}/inspect`], mask: boundary },
  { name: '--variable @- from stdin', stdin: 'from stdin', args: (c) => ['-sS', '--variable', 'v@-', '--expand-data', '{{v}}', `${c.http}/inspect`] },
  { name: '-w %{stdout} and %{stderr}', args: (c) => ['-sS', '-o', 'out.bin', '-w', 'a%{stderr}b%{stdout}c', `${c.http}/hello`] },
  { name: '-w unknown variable', args: (c) => ['-sS', '-o', 'out.bin', '-w', '%{nope}|%{http_code}', `${c.http}/hello`] },
  { name: '--json with -d', args: (c) => ['-sS', '--json', '{"a":', '-d', '1}', `${c.http}/inspect`] },
  {
    name: '--data-urlencode @file without a name',
    files: () => ({ 'in/d.txt': 'a b\n' }),
    args: (c) => ['-sS', '--data-urlencode', '@in/d.txt', `${c.http}/inspect`],
  },
  { name: '-I with -d', args: (c) => ['-sS', '-I', '-d', 'x', `${c.http}/hello`] },
  { name: '-I -L', args: (c) => ['-sSIL', `${c.http}/redirect-chain/1`] },
  { name: '-H Content-Type: removed with -d', args: (c) => ['-sS', '-H', 'Content-Type:', '-d', 'x=1', `${c.http}/inspect`] },
  {
    name: '--compressed with our own Accept-Encoding',
    args: (c) => ['-sS', '--compressed', '-H', 'Accept-Encoding: gzip', '-w', '%{size_download}', `${c.http}/gzip`],
  },
  { name: '--limit-rate', args: (c) => ['-sS', '--limit-rate', '10M', `${c.diff}/file`] },
  { name: '--max-filesize 1k', args: (c) => ['-sS', '--max-filesize', '1k', `${c.diff}/big`] },
  {
    name: '--retry-all-errors -f',
    before: (c) => c.forget('r3'),
    args: (c) => ['-sSf', '--retry', '1', '--retry-delay', '1', '--retry-all-errors', '-w', '%{num_retries}', `${c.diff}/retry?key=r3&n=1`],
  },
  { name: '--fail and --fail-with-body', args: (c) => ['-sS', '-f', '--fail-with-body', `${c.http}/hello`] },
  { name: '--fail-with-body -o', args: (c) => ['-sS', '--fail-with-body', '-o', 'out.txt', `${c.diff}/fail`] },
  { name: '-D - with -L', args: (c) => ['-sSL', '-D', '-', '-o', 'out.bin', `${c.http}/redirect-chain/2`] },
  { name: '-c - to stdout', mask: expiry, args: (c) => ['-sS', '-c', '-', '-o', 'out.bin', `${c.diff}/cookies`] },
  {
    name: '-b with -L through set-cookie',
    args: (c) => ['-sSL', '-b', '', `${c.http}/redirect?to=${encodeURIComponent('/set-cookie')}`, '--next', '-sS', `${c.http}/cookies`],
  },
  { name: '-w %{filename_effective} with -OJ', args: (c) => ['-sS', '-OJ', '-w', '%{filename_effective}', `${c.diff}/cd`] },
  { name: '-C - with -O', files: () => ({ file: FILE_BODY.subarray(0, 10) }), args: (c) => ['-sS', '-C', '-', '-O', `${c.diff}/file`] },
  {
    name: '--ipfs-gateway',
    args: (c) => ['-sS', '-w', '%{url_effective}', '--ipfs-gateway', c.http, 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/x'],
  },
  { name: 'HTTP/2 -I', args: (c) => ['-sSI', '--cacert', c.ca, `${c.h2}/headers`], mask: (s) => s.replace(/^date: .*$/m, 'date: *') },
  { name: 'HTTP/2 POST', args: (c) => ['-sS', '--cacert', c.ca, '--data-binary', 'x=1', `${c.h2}/inspect`] },
  { name: 'HTTP/2 --compressed', args: (c) => ['-sS', '--cacert', c.ca, '--compressed', `${c.h2}/br`] },
  { name: 'HTTP/2 parallel', args: (c) => ['-sS', '--cacert', c.ca, '-Z', `${c.h2}/bytes/[1-4]`, '-o', 'p#1.bin', '-w', '%{http_version}\n'] },
  { name: 'HTTP/2 -T', files: () => ({ 'in/up.txt': 'x'.repeat(70000) }), args: (c) => ['-sS', '--cacert', c.ca, '-T', 'in/up.txt', `${c.h2}/upload-sha256`] },
  { name: '--tlsv1.2 --tls-max 1.2', args: (c) => ['-sS', '--cacert', c.ca, '--tlsv1.2', '--tls-max', '1.2', '-w', '%{http_version}', `${c.https}/hello`] },
  { name: '--tls13-ciphers', args: (c) => ['-sS', '--cacert', c.ca, '--tls13-ciphers', 'TLS_AES_128_GCM_SHA256', `${c.https}/hello`] },
  { name: '--curves', args: (c) => ['-sS', '--cacert', c.ca, '--curves', 'P-256', `${c.https}/hello`] },
  { name: '--sslv3', args: (c) => ['-sS', '--cacert', c.ca, '--sslv3', `${c.https}/hello`] },
  { name: '--ech (not built)', args: (c) => ['-sS', '--cacert', c.ca, '--ech', 'true', `${c.https}/hello`] },
  { name: '--ssl-sessions', args: (c) => ['-sS', '--cacert', c.ca, '--ssl-sessions', 'sess.txt', '-o', 'out.bin', `${c.https}/hello`] },

  // the tool itself
  { name: '--help', args: () => ['--help'] },
  { name: '--help all', args: () => ['--help', 'all'] },
  { name: '--help category', args: () => ['--help', 'tls'] },
  { name: '--help option', args: () => ['--help', '--retry'] },
  { name: '--help unknown', args: () => ['--help', 'nope'] },
  // Debian's 8.14.1-2 rewords --ftp-pasv's last lines (a patch of its own)
  {
    name: '--manual',
    args: () => ['--manual'],
    mask: (s) => s.replace(/(--ftp-pasv\n[\s\S]*?times has no extra effect\.)[\s\S]*?(?=\n\s+-P, --ftp-port)/, '$1 <Debian>'),
  },
  { name: '--libcurl', args: (c) => ['-sS', '--libcurl', 'code.c', '-d', 'a=1', '-H', 'X-A: 1', '-o', 'out.bin', `${c.http}/inspect`] },
  {
    name: '--libcurl with -F',
    files: () => ({ 'in/f.txt': 'x\n' }),
    args: (c) => ['-sS', '--libcurl', 'code.c', '-F', 'f=@in/f.txt', '-o', 'out.bin', `${c.http}/inspect`],
    mask: boundary,
  },
  {
    name: '--version',
    args: () => [],
    skip: 'the build differs: its libraries (mbedTLS, no LDAP, RTMP, GSS-API), compared by the protocols and features test below',
  },
];
