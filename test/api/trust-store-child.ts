// SPDX-License-Identifier: MIT
// Child process for the default trust store test: a Session given no `ca`
// requests argv[2] and prints the status and body, or curl's error code.
// Its environment (NODE_EXTRA_CA_CERTS, LIBCURL_WASM_TLS) is the test's.
import { CurlEasyError, Session } from '../../ts/index.js';

const session = new Session();
try {
  const res = await session.request(process.argv[2]!);
  console.log(`${res.status} ${await res.text()}`);
} catch (err) {
  console.log(err instanceof CurlEasyError ? err.code : String(err));
} finally {
  await session.close();
}
