// SPDX-License-Identifier: MIT
// A sandboxed run's check of each transfer as the tool sets it up
// (wasm/tool/limits.c, curl patch 0010): its final URL and header fields,
// after --variable/--expand-*, globbing, --url-query, --json, -G and @files
// filled them in, against the sandbox's bounds, by the check request()
// makes. It runs in the tool's worker (./worker.ts); a refusal crosses the
// channel to the main thread (./host.ts) as JSON.
import { checkRequestBounds, FIELD_VALUE, LimitExceeded, optionFields, type RequestBounds } from '../api/request-bounds.js';

/** A header field as `-H` gives it ("Name: value", "Name;" for an empty one); undefined for a line curl does not send as a field. */
export function headerField(line: string): [string, string] | undefined {
  const at = line.search(/[:;]/);
  if (at < 0) return undefined;
  return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
}

/** What the check refused, as it crosses the channel: a limit, or a TypeError's message. */
export type Refusal = { limit: string; value: number } | { message: string };

/** The tool's options (long names) that libcurl sends as header fields, by curl's option name (optionFields() counts them). */
const DERIVED: Record<string, string> = {
  'user-agent': 'USERAGENT',
  referer: 'REFERER',
  cookie: 'COOKIE',
  range: 'RANGE',
  user: 'USERPWD',
  'oauth2-bearer': 'XOAUTH2_BEARER',
};

/**
 * `text` (wasm/tool/limits.c): the URL, the number of `-H` lines, those
 * lines, then pairs of an option's long name and its value (the options in
 * DERIVED, and -X, --request-target, --haproxy-clientip, which reach the wire
 * otherwise); each ends in NUL, one char per byte (lengths are bytes).
 */
export function checkToolRequest(text: string, bounds: RequestBounds): Refusal | undefined {
  const [url = '', count = '0', ...rest] = text.split('\0');
  const lines = Number(count);
  const fields: [string, string][] = [];
  try {
    for (const line of rest.slice(0, lines)) {
      const field = line ? headerField(line) : undefined;
      if (field) fields.push(field);
    }
    const options: Record<string, string> = {};
    for (let i = lines; i + 1 < rest.length; i += 2) {
      const name = rest[i]!;
      const value = rest[i + 1]!;
      if (!FIELD_VALUE.test(value)) throw new TypeError(`invalid value for --${name}: CR, LF and NUL are not allowed`);
      const option = DERIVED[name];
      if (option) options[option] = value;
    }
    checkRequestBounds([url], [...fields, ...optionFields(options)], bounds);
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
