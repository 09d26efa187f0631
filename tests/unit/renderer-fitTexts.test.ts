// Which of its texts each fitted item of a row shows (renderer/src/lib/useFitTexts.ts fitTexts): the row's room goes
// to the items in order of priority, each at least its shortest text.
import { describe, expect, it } from 'vitest';

import { fitTexts } from '../../renderer/src/lib/useFitTexts.ts';

describe('fitTexts', () => {
  // The timeline's tool row: the times label first, then the span, the hint last (widths in px, longest first).
  const times = [150, 110, 30];
  const span = [95, 50];
  const hint = [330, 240, 100];

  it('shows every text whole when the room holds them', () => {
    expect(fitTexts(575, [times, span, hint])).toEqual([0, 0, 0]);
    expect(fitTexts(1000, [times, span, hint])).toEqual([0, 0, 0]);
  });

  it('takes room from the last in priority first, text by text', () => {
    expect(fitTexts(574, [times, span, hint])).toEqual([0, 0, 1]);
    expect(fitTexts(345, [times, span, hint])).toEqual([0, 0, 2]);
    expect(fitTexts(344, [times, span, hint])).toEqual([0, 1, 2]);
    expect(fitTexts(260, [times, span, hint])).toEqual([1, 1, 2]);
  });

  it('keeps the shortest texts when even they do not fit (CSS cuts them then)', () => {
    expect(fitTexts(180, [times, span, hint])).toEqual([2, 1, 2]);
    expect(fitTexts(0, [times, span, hint])).toEqual([2, 1, 2]);
  });

  it('a lower item takes what a higher one leaves: its first text that fits', () => {
    // The times label cannot have its middle text (110 + 50 + 100 > 259): the span takes the room it leaves.
    expect(fitTexts(259, [times, span, hint])).toEqual([2, 0, 2]);
    expect(fitTexts(400, [[300, 10], [200, 80], [20]])).toEqual([0, 1, 0]);
  });
});
