// TupleInterner (main/correlate/interner.ts): dense ids for MAC pairs and encapsulation headers. Its intern()
// tries the last two ids before hashing; whatever the order of the tuples, an id must stand for exactly one
// tuple, found again the same way by any path (recent ids, hash table, after growing), and give its values back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TupleInterner } from '../../main/correlate/interner.ts';

/** A tuple from a small pool of values (MAC- and address-sized among them), so repeats and near misses abound. */
const value = fc.constantFrom(
  -1,
  0,
  1,
  2,
  0x0a000001,
  0xc0a80001,
  0xffffffff,
  0x0242ac110002,
  0x0242ac110003,
);

describe('TupleInterner', () => {
  it('gives equal tuples one id and different tuples different ids, in any order', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 9 })
          .chain((width) =>
            fc.tuple(
              fc.constant(width),
              fc.array(fc.array(value, { minLength: width, maxLength: width }), { maxLength: 400 }),
            ),
          ),
        ([width, tuples]) => {
          const interner = new TupleInterner(width);
          const idOf = new Map<string, number>();
          for (const t of tuples) {
            // From a Float64Array, as the table's scratch, or from a plain array: the same id.
            const id = interner.intern(Float64Array.from(t));
            expect(interner.intern(t)).toBe(id);
            const key = t.join(',');
            if (!idOf.has(key)) {
              expect(id).toBe(idOf.size); // dense, in order of first appearance
              idOf.set(key, id);
            }
            expect(id).toBe(idOf.get(key));
            for (let i = 0; i < width; i++) expect(interner.get(id, i)).toBe(t[i]);
          }
          expect(interner.count).toBe(idOf.size);
          // Another interner takes these tuples in id order: the same ids, nothing to rewrite.
          const copy = new TupleInterner(width);
          expect(copy.internAll(interner.valuesCopy())).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds a tuple again through its hash once it is no longer among the last two', () => {
    const interner = new TupleInterner(2);
    const a = [0x0242ac110002, 0x0242ac110003];
    const b = [0x0242ac110003, 0x0242ac110002];
    const c = [1, 2];
    expect([a, b, a, b, c].map((t) => interner.intern(t))).toEqual([0, 1, 0, 1, 2]);
    // a is neither of the last two (c, b) now; 300 more tuples make the table grow past its first size.
    for (let i = 0; i < 300; i++) interner.intern([i, -i]);
    expect(interner.intern(a)).toBe(0);
    expect(interner.intern(c)).toBe(2);
    expect(interner.intern([5, -5])).toBe(3 + 5);
    expect(interner.count).toBe(303);
  });
});
