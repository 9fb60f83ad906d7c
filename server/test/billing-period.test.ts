// Monthly periods anchored at the user's period start; a free trader's anchor (a month's start) gives calendar months.
import { describe, expect, it } from 'vitest';
import { addMonths, billingPeriodAt } from '../src/services/billing-period.js';

const at = (iso: string) => new Date(iso);

describe('billingPeriodAt', () => {
  it('runs month to month from the anchor, keeping the time of day', () => {
    expect(billingPeriodAt(at('2026-01-15T10:30:00Z'), at('2026-11-25T00:00:00Z'))).toEqual({
      start: at('2026-11-15T10:30:00Z'),
      end: at('2026-12-15T10:30:00Z'),
    });
  });

  it('puts the boundary instant in the new period', () => {
    const anchor = at('2026-01-15T10:30:00Z');
    expect(billingPeriodAt(anchor, at('2026-11-15T10:29:59.999Z')).start).toEqual(at('2026-10-15T10:30:00Z'));
    expect(billingPeriodAt(anchor, at('2026-11-15T10:30:00Z')).start).toEqual(at('2026-11-15T10:30:00Z'));
  });

  it('clamps the 31st to the end of shorter months without drifting', () => {
    const anchor = at('2026-01-31T00:00:00Z');
    expect(addMonths(anchor, 1)).toEqual(at('2026-02-28T00:00:00Z'));
    expect(addMonths(anchor, 2)).toEqual(at('2026-03-31T00:00:00Z'));
    expect(billingPeriodAt(anchor, at('2026-03-01T00:00:00Z'))).toEqual({
      start: at('2026-02-28T00:00:00Z'),
      end: at('2026-03-31T00:00:00Z'),
    });
    expect(addMonths(at('2028-01-31T00:00:00Z'), 1)).toEqual(at('2028-02-29T00:00:00Z'));
  });

  it('crosses years', () => {
    expect(billingPeriodAt(at('2025-12-20T00:00:00Z'), at('2027-01-05T00:00:00Z'))).toEqual({
      start: at('2026-12-20T00:00:00Z'),
      end: at('2027-01-20T00:00:00Z'),
    });
  });

  it('from a month’s first instant (a free trader’s anchor) runs calendar month to calendar month (UTC)', () => {
    const anchor = at('2026-11-01T00:00:00Z');
    expect(billingPeriodAt(anchor, at('2027-02-28T23:59:59.999Z'))).toEqual({
      start: at('2027-02-01T00:00:00Z'),
      end: at('2027-03-01T00:00:00Z'),
    });
    expect(billingPeriodAt(anchor, at('2027-03-01T00:00:00Z')).start).toEqual(at('2027-03-01T00:00:00Z'));
    expect(billingPeriodAt(anchor, at('2026-12-31T23:59:59.999Z'))).toEqual({
      start: at('2026-12-01T00:00:00Z'),
      end: at('2027-01-01T00:00:00Z'),
    });
    // Any month's start gives the same periods: an anchor in the past, or a month not yet begun.
    const now = at('2027-07-15T12:00:00Z');
    expect(billingPeriodAt(at('2020-02-01T00:00:00Z'), now)).toEqual(billingPeriodAt(at('2027-08-01T00:00:00Z'), now));
  });
});
