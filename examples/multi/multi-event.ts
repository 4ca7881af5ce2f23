// SPDX-License-Identifier: MIT
// curl's docs/examples/multi-event.c: downloads driven by an external event
// loop through curl_multi_socket_action. libevent's role is played by the
// Node event loop: SocketPoll stands for an event on a socket, a setTimeout
// for the evtimer, and the loop running dry ends event_base_dispatch.
// Usage: tsx examples/multi/multi-event.ts URL...
import { createWriteStream, mkdtempSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CURL_CSELECT, CURL_POLL, CURL_SOCKET, CURLMSG, Easy, Multi, Runtime, SocketPoll } from 'libcurl-wasm';

interface curl_context_t {
  event: SocketPoll;
  sockfd: number;
}

const rt = await Runtime.create();
let curl_handle: Multi;
let timeout: NodeJS.Timeout | undefined;
const dir = mkdtempSync(join(tmpdir(), 'multi-event-'));
const files = new Map<Easy, WriteStream>(); // CURLOPT_PRIVATE

function create_curl_context(sockfd: number): curl_context_t {
  return { sockfd, event: new SocketPoll(rt, sockfd) };
}

function destroy_curl_context(context: curl_context_t): void {
  context.event.stop();
}

function add_download(url: string, num: number): void {
  const filename = join(dir, `${num}.download`);
  const file = createWriteStream(filename);

  const handle = new Easy(rt);
  handle.setOpt('WRITEFUNCTION', (data: Uint8Array) => void file.write(Buffer.from(data))); // CURLOPT_WRITEDATA
  files.set(handle, file);
  handle.setOpt('URL', url);
  curl_handle.addHandle(handle);
  console.error(`Added download ${url} -> ${filename}`);
}

function check_multi_info(): void {
  for (let message = curl_handle.infoRead(); message; message = curl_handle.infoRead()) {
    switch (message.msg) {
      case CURLMSG.CURLMSG_DONE: {
        const easy_handle = message.easy;
        const done_url = easy_handle.getInfo('EFFECTIVE_URL');
        const file = files.get(easy_handle);
        console.log(`${done_url} DONE`);

        curl_handle.removeHandle(easy_handle);
        easy_handle.close();
        file?.end();
        break;
      }
      default:
        console.error('CURLMSG default');
        break;
    }
  }
}

function curl_perform(_fd: number, flags: number, context: curl_context_t): void {
  // SocketPoll reports CURL_CSELECT_* bits already (libevent's EV_READ/EV_WRITE)
  curl_handle.socketAction(context.sockfd, flags);
  check_multi_info();
}

function on_timeout(): void {
  curl_handle.socketAction(CURL_SOCKET.CURL_SOCKET_TIMEOUT, 0);
  check_multi_info();
}

function start_timeout(_multi: Multi, timeout_ms: number): number {
  if (timeout_ms < 0) {
    clearTimeout(timeout);
  } else {
    if (timeout_ms === 0) timeout_ms = 1; /* 0 means call socket_action asap */
    clearTimeout(timeout);
    timeout = setTimeout(on_timeout, timeout_ms);
  }
  return 0;
}

function handle_socket(_easy: Easy | undefined, s: number, action: number, _userp: unknown, socketp: unknown): number {
  let curl_context: curl_context_t;
  let events = 0;

  switch (action) {
    case CURL_POLL.CURL_POLL_IN:
    case CURL_POLL.CURL_POLL_OUT:
    case CURL_POLL.CURL_POLL_INOUT:
      curl_context = socketp ? (socketp as curl_context_t) : create_curl_context(s);

      curl_handle.assign(s, curl_context);

      if (action !== CURL_POLL.CURL_POLL_IN) events |= CURL_CSELECT.CURL_CSELECT_OUT;
      if (action !== CURL_POLL.CURL_POLL_OUT) events |= CURL_CSELECT.CURL_CSELECT_IN;

      curl_context.event.start(events, (fd, ev) => curl_perform(fd, ev, curl_context));
      break;
    case CURL_POLL.CURL_POLL_REMOVE:
      if (socketp) {
        destroy_curl_context(socketp as curl_context_t);
        curl_handle.assign(s, null);
      }
      break;
    default:
      throw new Error(`unexpected action ${action}`);
  }

  return 0;
}

const argv = process.argv.slice(1);
let argc = argv.length;
if (argc <= 1) process.exit(0);

curl_handle = new Multi(rt);
curl_handle.setOpt('SOCKETFUNCTION', handle_socket);
curl_handle.setOpt('TIMERFUNCTION', start_timeout);

while (argc-- > 1) {
  add_download(argv[argc]!, argc);
}

await once(process, 'beforeExit'); // event_base_dispatch(base): until nothing is left to watch

curl_handle.close();
