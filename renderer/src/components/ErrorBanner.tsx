// The error above the session, with what the user can do about it: an open past the packet limit
// (TOO_MANY_PACKETS) offers to open a time range of the same files (paths, or a drop sent again), from the
// captures' first packet to the time from which they hold more packets than the limit (the back end's
// TooManyPacketsDetail), which the user may change.
import { useState } from 'react';

import type { TooManyPacketsDetail } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { utcNs } from '../lib/format.ts';

export function ErrorBanner() {
  const ctl = useController();
  const error = useAppState((s) => s.error);
  const failedOpen = useAppState((s) => s.failedOpen);
  if (!error) return null;
  const detail =
    error.code === 'TOO_MANY_PACKETS' ? (error.detail as TooManyPacketsDetail | undefined) : undefined;
  return (
    <div className="banner error" role="alert" data-testid="error-banner">
      <span className="banner-text">
        <b>{error.code}</b> {error.message}
      </span>
      <button onClick={() => ctl.store.set({ error: null, failedOpen: null })} aria-label="dismiss">
        ×
      </button>
      {detail && failedOpen ? (
        // A new failure (a range still too large) gives new times: the fields start again from them.
        <RangeOffer key={`${detail.firstNs}-${detail.limitNs}`} detail={detail} />
      ) : null}
    </div>
  );
}

function RangeOffer({ detail }: { detail: TooManyPacketsDetail }) {
  const ctl = useController();
  const [after, setAfter] = useState(detail.firstNs ? utcNs(detail.firstNs) : '');
  const [before, setBefore] = useState(detail.limitNs ? utcNs(detail.limitNs) : '');
  return (
    <form
      className="range-offer"
      data-testid="range-offer"
      onSubmit={(e) => {
        e.preventDefault();
        void ctl.openRange({
          ...(after.trim() ? { after: after.trim() } : {}),
          ...(before.trim() ? { before: before.trim() } : {}),
        });
      }}
    >
      <span>Open a time range of the captures: from</span>
      <input aria-label="after" value={after} onChange={(e) => setAfter(e.target.value)} size={32} />
      <span>to before</span>
      <input aria-label="before" value={before} onChange={(e) => setBefore(e.target.value)} size={32} />
      <button type="submit">Open range</button>
      <span className="muted small">
        UTC (or seconds since the epoch, or a time of day), by each packet&apos;s own capture time before any
        clock correction; empty: open on that side
      </span>
      {detail.firstNs && !detail.limitNs ? (
        // The back end gives no end only where more packets than the limit share the first packet's time.
        <span className="small" data-testid="range-none">
          {detail.limit + 1} or more packets share the first packet&apos;s time: no range from it holds{' '}
          {detail.limit} or fewer; start later.
        </span>
      ) : null}
    </form>
  );
}
