// SPDX-License-Identifier: MIT
// Response heads as the glue hands them over: one block per response (1xx,
// each redirect hop, the final response), from its status line to the blank
// line (wasm/glue/api.c header_cb). The fields are split out only when
// someone reads them.

/** One response's status line and header fields, in wire order. */
export interface ResponseHead {
  /** The status line's version: '1.0', '1.1', '2' or '3' (as TransferInfo's httpVersion). */
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  /** [name, value] pairs as received (names keep their case). */
  readonly headers: [string, string][];
  /** The URL this response answered. */
  url: string;
}

/**
 * The fields as a Headers. A value Headers refuses (bytes outside Latin-1)
 * is left out, as undici does; the raw pairs keep it.
 */
export function toHeaders(fields: readonly [string, string][]): Headers {
  const headers = new Headers();
  for (const [k, v] of fields) {
    try {
      headers.append(k, v);
    } catch {
      // refused: kept in the raw pairs only
    }
  }
  return headers;
}

/** Header bytes from curl as a string (latin1), without copying the view first. */
export function latin1(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('latin1');
}

/** A head as a plain object (what structured clone keeps: a WorkerPool posts heads). */
export function plainHead(h: ResponseHead): ResponseHead {
  return { httpVersion: h.httpVersion, status: h.status, statusText: h.statusText, headers: h.headers, url: h.url };
}

const STATUS_LINE = /^HTTP\/([\d.]+)\s+(\d{3})\s*(.*)$/;

/** A parsed head whose fields stay one string until someone reads them. */
class Head implements ResponseHead {
  readonly httpVersion: string;
  readonly status: number;
  readonly statusText: string;
  url = '';
  /** The field lines, each ending in LF (CRLF as received). */
  #raw = '';
  #fields: [string, string][] | undefined;

  constructor(httpVersion: string, status: number, statusText: string) {
    this.httpVersion = httpVersion;
    this.status = status;
    this.statusText = statusText;
  }

  get headers(): [string, string][] {
    this.#fields ??= splitFields(this.#raw);
    return this.#fields;
  }

  static raw(h: Head): string {
    return h.#raw;
  }

  static add(h: Head, lines: string): void {
    h.#raw += lines;
  }
}

/** Field lines as [name, value] pairs; an obs-fold continues the field before it. */
function splitFields(raw: string): [string, string][] {
  const fields: [string, string][] = [];
  for (let at = 0; at < raw.length; ) {
    const nl = raw.indexOf('\n', at);
    const next = nl < 0 ? raw.length : nl + 1;
    const end = nl > at && raw.charCodeAt(nl - 1) === 13 ? nl - 1 : nl < 0 ? raw.length : nl;
    const colon = raw.indexOf(':', at);
    if (colon > at && colon < end) fields.push([raw.slice(at, colon), raw.slice(colon + 1, end).trim()]);
    else if (fields.length && (raw.charCodeAt(at) === 32 || raw.charCodeAt(at) === 9)) fields.at(-1)![1] += ` ${raw.slice(at, end).trim()}`; // obs-fold
    at = next;
  }
  return fields;
}

const CONTENT_LENGTH = /(?:^|\n)content-length:[ \t]*(\d+)/i;

/** The Content-Length a head gives, NaN without one (read without splitting every field). */
export function contentLength(head: ResponseHead): number {
  if (!(head instanceof Head)) return Number(head.headers.find(([k]) => k.length === 14 && k.toLowerCase() === 'content-length')?.[1] ?? Number.NaN);
  const m = CONTENT_LENGTH.exec(Head.raw(head));
  return m ? Number(m[1]) : Number.NaN;
}

/** Collects head blocks into heads; `onHead` fires at each blank line. */
export class HeadParser {
  readonly heads: ResponseHead[] = [];
  #current: Head | undefined;
  readonly #to: { onHead(head: ResponseHead): void };

  constructor(to: { onHead(head: ResponseHead): void }) {
    this.#to = to;
  }

  /**
   * Complete lines from the header callback: a whole head, the next part
   * of one, or lines that belong to no head (trailers after the final head,
   * an FTP server's replies), which are dropped.
   */
  block(text: string): void {
    for (let at = 0; at < text.length; ) {
      const nl = text.indexOf('\n', at);
      const next = nl < 0 ? text.length : nl + 1;
      const end = nl > at && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl < 0 ? text.length : nl;
      const current = this.#current;
      if (end === at) {
        // the blank line: the head is whole
        this.#current = undefined;
        if (current) {
          this.heads.push(current);
          this.#to.onHead(current);
        }
      } else if (text.startsWith('HTTP/', at)) {
        const status = STATUS_LINE.exec(text.slice(at, end));
        if (status) this.#current = new Head(status[1]!, Number(status[2]), status[3]!.trim());
        else if (current) Head.add(current, text.slice(at, next));
      } else if (current) {
        // the field lines up to the blank line, as one slice
        const crlf = text.indexOf('\n\r\n', at);
        const lf = text.indexOf('\n\n', at);
        const last = crlf < 0 ? lf : lf < 0 ? crlf : Math.min(crlf, lf);
        const stop = last < 0 ? text.length : last + 1;
        Head.add(current, text.slice(at, stop));
        at = stop;
        continue;
      }
      at = next;
    }
  }
}
