// The timeline's lane labels: the node (on its first lane) and the interface, fitted into the label column by
// measured width. The interface is what tells a node's lanes apart, so the node name gives way first.

/** A text's drawn width in px (the canvas' measureText in the app; a stand-in in tests). */
export type Measure = (text: string) => number;

export interface LaneLabel {
  node: string;
  nodeX: number;
  iface: string;
  ifaceX: number;
  /** The full names, for a tooltip when either was shortened. */
  full: string;
}

export interface LaneLabels {
  /** Width of the label column (the plot starts there). */
  width: number;
  lanes: LaneLabel[];
}

const PAD = 4;
const GAP = 8;
/** The node name keeps at least this much of the column (a few characters and the ellipsis). */
const MIN_NODE = 40;

/** `text` cut to fit `maxPx` with a trailing ellipsis ('' when not even the ellipsis fits). */
export function ellipsize(text: string, maxPx: number, measure: Measure): string {
  if (measure(text) <= maxPx) return text;
  let lo = 0;
  let hi = text.length;
  // The longest prefix whose text + '…' fits (binary search: widths grow with the prefix).
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (measure(text.slice(0, mid) + '…') <= maxPx) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 || measure('…') <= maxPx ? text.slice(0, lo) + '…' : '';
}

/**
 * Lays out the labels of lanes (in lane order, a node's lanes together) within `minWidth`…`maxWidth` px: wide
 * enough for the longest node and interface when that fits, else the interfaces whole (up to what leaves the node
 * MIN_NODE px) and the nodes ellipsized.
 */
export function layoutLaneLabels(
  lanes: readonly { node: string; iface: string }[],
  measure: Measure,
  minWidth: number,
  maxWidth: number,
): LaneLabels {
  const nodeW = Math.max(0, ...lanes.map((l) => measure(l.node)));
  const ifaceW = Math.max(0, ...lanes.map((l) => measure(l.iface)));
  const width = Math.max(minWidth, Math.min(maxWidth, Math.ceil(PAD + nodeW + GAP + ifaceW + PAD)));
  const ifaceCol = Math.min(ifaceW, width - 2 * PAD - GAP - MIN_NODE);
  const ifaceX = width - PAD - ifaceCol;
  const nodeCol = ifaceX - GAP - PAD;
  let prev: string | null = null;
  return {
    width,
    lanes: lanes.map((l) => {
      const first = l.node !== prev;
      prev = l.node;
      return {
        node: first ? ellipsize(l.node, nodeCol, measure) : '',
        nodeX: PAD,
        iface: ellipsize(l.iface, ifaceCol, measure),
        ifaceX,
        full: `${l.node}/${l.iface}`,
      };
    }),
  };
}
