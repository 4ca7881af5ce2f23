// SPDX-License-Identifier: MIT
// Roster: what a Session has in flight, in reused array slots instead of a Set
// (whose rehashed tables chain their entries through every scavenge).
import { describe, expect, it } from 'vitest';
import { Roster } from '../../ts/curl/roster.js';

describe('Roster', () => {
  it('lists its members and reuses a freed slot, so 100 in flight need 100 slots however many pass through', () => {
    const r = new Roster<object>();
    const items = Array.from({ length: 100 }, () => ({}));
    const slots = items.map((x) => r.add(x));
    expect(new Set(slots).size).toBe(100);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) {
        r.delete(slots[i]!);
        slots[i] = r.add((items[i] = {}));
      }
    }
    expect(Math.max(...slots)).toBe(99);
    expect(r.values()).toHaveLength(100);
    expect(new Set(r.values())).toEqual(new Set(items));
  });

  it('drops what leaves, twice harmlessly, and values() is a copy', () => {
    const r = new Roster<string>();
    const a = r.add('a');
    const b = r.add('b');
    const seen = r.values();
    r.delete(a);
    r.delete(a);
    expect(r.values()).toEqual(['b']);
    expect(seen).toEqual(['a', 'b']);
    expect(r.add('c')).toBe(a);
    expect(r.add('d')).toBe(b + 1);
    r.delete(b);
    expect(r.values().sort()).toEqual(['c', 'd']);
  });
});
