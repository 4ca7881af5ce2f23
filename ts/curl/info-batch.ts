// SPDX-License-Identifier: MIT
// Several CURLINFO_* values in one wasm call (lcw_easy_getinfos): what a
// finished response reports is ~17 infos, and each getInfo() is a crossing
// with its own name lookup and answer slot.
import type { Runtime } from '../host/runtime.js';
import type { Easy, InfoValue } from './easy.js';
import { check } from './errors.js';
import type { InfoSpec } from './generated/infos.js';
import { info } from './names.js';
import type { InfoKey } from './option-types.js';
import { kPtr, kRuntime } from './symbols.js';
import { readInfo } from './values.js';

interface Placed {
  /** int32 ids, then an 8-byte answer slot per id. */
  ids: number;
  out: number;
}

/** A fixed list of infos, read together. Lists (slist infos) and CERTINFO are not batched. */
export class InfoBatch<K extends InfoKey> {
  readonly #names: readonly K[];
  readonly #keys: string[];
  readonly #specs: InfoSpec[];
  /** The ids and answer slots in each instance's memory, placed on first use and kept for its life. */
  readonly #placed = new WeakMap<Runtime, Placed>();

  constructor(names: readonly K[]) {
    this.#names = names;
    const found = names.map((n) => info(n));
    for (const [key, spec] of found) {
      if (spec.type === 'slist' || spec.type === 'ptr') throw new TypeError(`curl info ${key} cannot be read in a batch`);
    }
    this.#keys = found.map(([k]) => k);
    this.#specs = found.map(([, s]) => s);
  }

  #place(rt: Runtime): Placed {
    let p = this.#placed.get(rt);
    if (!p) {
      const n = this.#specs.length;
      const ids = rt.heap.malloc(4 * n + 8 * n);
      for (let i = 0; i < n; i++) rt.heap.setU32(ids + 4 * i, this.#specs[i]!.id);
      p = { ids, out: ids + 4 * n };
      this.#placed.set(rt, p);
    }
    return p;
  }

  /** The answers, by the names given. */
  read(easy: Easy): Record<K, InfoValue> {
    return this.record(this.values(easy));
  }

  /**
   * The answers in the order of the names given: what a caller that keeps
   * them for later reads (an array is ~10× cheaper to fill than an object
   * whose 19 keys one store site sets in turn).
   */
  values(easy: Easy): InfoValue[] {
    const rt = easy[kRuntime];
    const ptr = easy[kPtr]; // throws on a closed handle
    const { ids, out } = this.#place(rt);
    const n = this.#specs.length;
    check(rt, 'easy', rt.exports.lcw_easy_getinfos(ptr, ids, n, out));
    const values = new Array<InfoValue>(n);
    for (let i = 0; i < n; i++) values[i] = readInfo(rt, this.#keys[i]!, this.#specs[i]!, out + 8 * i) as InfoValue;
    return values;
  }

  /** {@link values}' answers by name. */
  record(values: readonly InfoValue[]): Record<K, InfoValue> {
    const answers = {} as Record<K, InfoValue>;
    for (let i = 0; i < this.#names.length; i++) answers[this.#names[i]!] = values[i]!;
    return answers;
  }
}
