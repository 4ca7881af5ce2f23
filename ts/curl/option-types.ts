// SPDX-License-Identifier: MIT
// Compile-time types of options and infos, derived from the generated
// tables (no name or number is written here): each name's C type picks the
// JavaScript value it takes or gives, so that setOpt('NOPE', 1),
// setOpt('FOLLOWLOCATION', 'yes') and getInfo('NOPE') fail in tsc. The
// spellings are the ones ./names.ts accepts at run time.
import type { BindingOwned, Callbacks } from './easy-callbacks.js';
import type { Easy, SharedBlob, ShareLike } from './easy.js';
import type { INFO_ALIASES, INFOS, InfoName } from './generated/infos.js';
import type { EASY_OPTION_CAMEL, INFO_CAMEL } from './generated/names.js';
import type { EASY_OPTION_ALIASES, EASY_OPTIONS, EasyOptionName } from './generated/options.js';

/** Bytes for blob options and POSTFIELDS; a string is sent as UTF-8. */
export type BytesLike = string | ArrayBuffer | ArrayBufferView;

/** What CURLOPT_PRIVATE holds: any value but undefined and symbols, kept on the host. */
export type PrivateValue = object | string | number | bigint | boolean | null;

/**
 * The value the easy option `K` of C type `T` takes; `never` where the
 * binding owns the pointer. A C pointer JavaScript cannot give (a callback
 * the binding does not relay, its data) takes only null, curl's default.
 */
export type EasyValue<K, T> = K extends BindingOwned
  ? never
  : K extends 'PRIVATE'
    ? PrivateValue
    : T extends 'long'
      ? number | boolean
      : T extends 'values'
        ? number
        : T extends 'off_t'
          ? number | bigint
          : T extends 'string'
            ? string | null
            : T extends 'slist'
              ? readonly string[] | null
              : T extends 'blob'
                ? BytesLike | SharedBlob
                : K extends keyof Callbacks
                  ? Exclude<Callbacks[K], undefined> | null
                  : K extends 'POSTFIELDS' | 'COPYPOSTFIELDS'
                    ? BytesLike | null
                    : K extends 'SHARE'
                      ? ShareLike | null
                      : K extends 'STREAM_DEPENDS' | 'STREAM_DEPENDS_E'
                        ? Easy | null
                        : null;

/**
 * The JavaScript value of each easy option, by its name without CURLOPT_:
 * `long` options take a number or a boolean, `off_t` a number or a bigint,
 * strings and lists may be null to unset; PRIVATE takes any value, which
 * getInfo('PRIVATE') answers. Options typed `never` (the relays' data, the
 * error buffer) cannot be set from JavaScript.
 */
export type EasyOptionValues = { [K in keyof typeof EASY_OPTIONS]: EasyValue<K, (typeof EASY_OPTIONS)[K]['type']> };

/** The keys of `T` whose value type is not `never`. */
export type NonNeverKeys<T> = { [K in keyof T]-?: [T[K]] extends [never] ? never : K }[keyof T];
/** The keys of map `M` whose target is one of `Names`. */
export type KeysTo<M, Names> = { [K in keyof M]: M[K] extends Names ? K : never }[keyof M];

/** Easy options JavaScript can set: those not typed `never` in {@link EasyOptionValues}. */
export type SettableOptionName = NonNeverKeys<EasyOptionValues>;

/**
 * Every accepted spelling of an easy option JavaScript can set: `CURLOPT_URL`,
 * `URL`, `url`, and curl.h's old names.
 */
export type EasyOptionKey =
  | SettableOptionName
  | `CURLOPT_${SettableOptionName}`
  | KeysTo<typeof EASY_OPTION_CAMEL, SettableOptionName>
  | KeysTo<typeof EASY_OPTION_ALIASES, SettableOptionName>
  | `CURLOPT_${KeysTo<typeof EASY_OPTION_ALIASES, SettableOptionName>}`;

/** The EASY_OPTIONS name a spelling stands for. */
export type EasyOptionNameOf<K extends string> = K extends EasyOptionName
  ? K
  : K extends keyof typeof EASY_OPTION_ALIASES
    ? (typeof EASY_OPTION_ALIASES)[K]
    : K extends keyof typeof EASY_OPTION_CAMEL
      ? (typeof EASY_OPTION_CAMEL)[K]
      : K extends `CURLOPT_${infer B extends EasyOptionName | keyof typeof EASY_OPTION_ALIASES}`
        ? EasyOptionNameOf<B>
        : never;

/** The value the easy option spelled `K` takes. */
export type EasyOptionValue<K extends EasyOptionKey> = EasyOptionValues[EasyOptionNameOf<K>];

/**
 * A `curl: {…}` bag of easy options, in any spelling, each with its value
 * type. Spelled as three mapped types so that editors show each option's
 * TSDoc on `URL` and `url` keys (a mapped type over a union of names would
 * drop it).
 */
export type CurlOptions = { [K in keyof typeof EASY_OPTIONS]?: EasyOptionValues[K] } & {
  [K in keyof typeof EASY_OPTION_CAMEL]?: EasyOptionValues[(typeof EASY_OPTION_CAMEL)[K]];
} & { [K in Exclude<EasyOptionKey, EasyOptionName | keyof typeof EASY_OPTION_CAMEL>]?: EasyOptionValue<K> };
// (the first two also list the options typed never: such a key takes only undefined)

/** The part of an option value type `V` that structuredClone carries to a worker thread: no callbacks, shares or shared blobs. */
export type Cloneable<V> = (V extends string | number | boolean | bigint | readonly string[] ? V : never) | (ArrayBufferView extends V ? Uint8Array : never);

/** A `curl: {…}` bag for a WorkerPool: only values a worker thread can receive. */
export type CloneableCurlOptions = { [K in EasyOptionKey]?: Cloneable<EasyOptionValue<K>> };

/** What `getInfo` answers for the info `K` of C type `T`; `never` where JavaScript cannot read it. */
export type InfoResult<K, T> = K extends 'PRIVATE'
  ? unknown
  : T extends 'string'
    ? string | null
    : T extends 'long' | 'socket' | 'double' | 'off_t'
      ? number
      : T extends 'slist'
        ? string[]
        : K extends 'CERTINFO'
          ? string[][]
          : never;

/**
 * What `getInfo` answers for each info, by its name without CURLINFO_:
 * `off_t` infos as numbers, lists as arrays, CERTINFO as one array of
 * `name:value` lines per certificate. Infos typed `never` (C pointers) are
 * not readable from JavaScript.
 */
export type InfoValues = { [K in keyof typeof INFOS]: InfoResult<K, (typeof INFOS)[K]['type']> };

/** Infos JavaScript can read: those not typed `never` in {@link InfoValues}. */
export type ReadableInfoName = NonNeverKeys<InfoValues>;

/**
 * Every accepted spelling of an info JavaScript can read:
 * `CURLINFO_RESPONSE_CODE`, `RESPONSE_CODE`, `responseCode`, and curl.h's old names.
 */
export type InfoKey =
  | ReadableInfoName
  | `CURLINFO_${ReadableInfoName}`
  | KeysTo<typeof INFO_CAMEL, ReadableInfoName>
  | KeysTo<typeof INFO_ALIASES, ReadableInfoName>
  | `CURLINFO_${KeysTo<typeof INFO_ALIASES, ReadableInfoName>}`;

/** The INFOS name a spelling stands for. */
export type InfoNameOf<K extends string> = K extends InfoName
  ? K
  : K extends keyof typeof INFO_ALIASES
    ? (typeof INFO_ALIASES)[K]
    : K extends keyof typeof INFO_CAMEL
      ? (typeof INFO_CAMEL)[K]
      : K extends `CURLINFO_${infer B extends InfoName | keyof typeof INFO_ALIASES}`
        ? InfoNameOf<B>
        : never;

/** What `getInfo` answers for the info spelled `K`. */
export type InfoValueOf<K extends InfoKey> = InfoValues[InfoNameOf<K>];
