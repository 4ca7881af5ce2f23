// SPDX-License-Identifier: MIT
// A sandboxed run's check of each transfer as the tool sets it up
// (wasm/tool/limits.c, curl patch 0010): its final URL and header fields,
// after --variable/--expand-*, globbing, --url-query, --json, -G and @files
// filled them in, against the sandbox's bounds, by the check request()
// makes. It runs in the tool's worker (./worker.ts); a refusal crosses the
// channel to the main thread (./host.ts) as JSON.
import { checkRequestBounds, LimitExceeded, type RequestBounds } from '../api/request-bounds.js';

/** A header field as `-H` gives it ("Name: value", "Name;" for an empty one); undefined for a line curl does not send as a field. */
export function headerField(line: string): [string, string] | undefined {
  const at = line.search(/[:;]/);
  if (at < 0) return undefined;
  return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}

/** What the check refused, as it crosses the channel: a limit, or a TypeError's message. */
export type Refusal = { limit: string; value: number } | { message: string };

/** `text`: the URL, then each header line, each ending in NUL (one char per byte: lengths are bytes). */
export function checkToolRequest(text: string, bounds: RequestBounds): Refusal | undefined {
  const [url = '', ...lines] = text.split('\0');
  const fields: [string, string][] = [];
  for (const line of lines) {
    const field = line ? headerField(line) : undefined;
    if (field) fields.push(field);
  }
  try {
    checkRequestBounds([url], fields, bounds);
    return undefined;
  } catch (err) {
    // a field's name or value is in the message: keep it short enough for the channel
    return err instanceof LimitExceeded ? { limit: err.limit, value: err.value } : { message: (err as Error).message.slice(0, 1024) };
  }
}

/** The error the run's `refused` records for a Refusal: what request() would have thrown. */
export function refusalError(refusal: Refusal): Error {
  return 'limit' in refusal ? new LimitExceeded(refusal.limit, refusal.value) : new TypeError(`curl(): ${refusal.message}`);
}
