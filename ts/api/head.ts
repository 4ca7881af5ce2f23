// SPDX-License-Identifier: MIT
// Response heads as curl's header callback delivers them: a status line,
// header lines, a blank line; one block per response (1xx, each redirect
// hop, the final response).

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

/** A header line from curl's header callback as a string (latin1), without copying the view first. */
export function latin1(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('latin1');
}

const STATUS_LINE = /^HTTP\/([\d.]+)\s+(\d{3})\s*(.*)$/;

/** Collects header-callback lines into heads; `onHead` fires at each blank line. */
export class HeadParser {
  readonly heads: ResponseHead[] = [];
  #current: ResponseHead | undefined;

  readonly #to: { onHead(head: ResponseHead): void };

  constructor(to: { onHead(head: ResponseHead): void }) {
    this.#to = to;
  }

  line(raw: string): void {
    // the line end, without a regex per line (the hot path of a small response)
    let end = raw.length;
    if (end > 0 && raw.charCodeAt(end - 1) === 10) end -= end > 1 && raw.charCodeAt(end - 2) === 13 ? 2 : 1;
    const text = end === raw.length ? raw : raw.slice(0, end);
    const status = text.startsWith('HTTP/') ? STATUS_LINE.exec(text) : null;
    if (status) {
      this.#current = { httpVersion: status[1]!, status: Number(status[2]), statusText: status[3]!.trim(), headers: [], url: '' };
      return;
    }
    if (!this.#current) return; // trailers after the final head, or noise
    if (text === '') {
      const head = this.#current;
      this.#current = undefined;
      this.heads.push(head);
      this.#to.onHead(head);
      return;
    }
    const colon = text.indexOf(':');
    if (colon > 0) this.#current.headers.push([text.slice(0, colon), text.slice(colon + 1).trim()]);
    else if (/^\s/.test(text) && this.#current.headers.length) this.#current.headers.at(-1)![1] += ` ${text.trim()}`; // obs-fold
  }
}
