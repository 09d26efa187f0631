// Per-packet text for the UI, from the decode library: the tcpdump-style one-liner and the layer tree with
// byte ranges (for the hex highlight; looked up by name: without it the detail shows the frame as one layer).

import type { Layer } from '../../preload/api.ts';
import * as decode from '../decode/index.ts';

type DecodeLayers = (frame: Uint8Array, linkType: number) => unknown[];

const lib = decode as unknown as { decodeLayers?: DecodeLayers };

/** `ifNames`: the capturing node's interface names by ifindex, which a `-i any` packet's line names it by. */
export function summaryOf(
  frame: Uint8Array,
  linkType: number,
  origLen: number,
  ifNames?: Readonly<Record<number, string>>,
): string {
  try {
    // With the link layer (-e), as the walkthrough's `tcpdump -nei IFACE` shows it.
    return (
      decode.summarize(frame, linkType, { origLen, link: true, ifNames }) ||
      `link-type ${linkType}, length ${origLen}`
    );
  } catch (e) {
    return `(summary failed: ${(e as Error).message})`;
  }
}

interface LibLayer {
  /** decodeLayers' one line ("Ethernet II, Src: …"); `protocol` is its short key ('ethernet'). */
  title?: string;
  name?: string;
  protocol?: string;
  offset?: number;
  length?: number;
  fields?: { name?: string; label?: string; value?: unknown; offset?: number; length?: number }[];
  children?: LibLayer[];
}

/** A cooked v2 layer (the frame's first) with its interface index named: title and `Interface index` field. */
function namedIfindex(l: Layer, ifNames: Readonly<Record<number, string>>): Layer {
  const m = /, ifindex (\d+)/.exec(l.name);
  const name = m ? ifNames[Number(m[1])] : undefined;
  if (!m || name === undefined) return l;
  return {
    ...l,
    name: l.name.replace(m[0], `${m[0]} (${name})`),
    fields: l.fields.map((f) => (f.name === 'Interface index' ? { ...f, value: `${f.value} (${name})` } : f)),
  };
}

function toLayer(l: LibLayer): Layer {
  return {
    name: String(l.title ?? l.name ?? l.protocol ?? '?'),
    offset: l.offset ?? 0,
    length: l.length ?? 0,
    fields: (l.fields ?? []).map((f) => ({
      name: String(f.name ?? f.label ?? ''),
      value: typeof f.value === 'string' ? f.value : JSON.stringify(f.value ?? ''),
      offset: f.offset ?? 0,
      length: f.length ?? 0,
    })),
    ...(l.children?.length ? { children: l.children.map(toLayer) } : {}),
  };
}

/**
 * `ifNames`: the capturing node's interface names by ifindex: a `-i any` packet's cooked header names the interface
 * it was seen on by its index, said with its name (`ifindex 2 (ens33)`), as the packet's summary line does.
 */
export function layersOf(
  frame: Uint8Array,
  linkType: number,
  ifNames?: Readonly<Record<number, string>>,
): Layer[] {
  try {
    if (lib.decodeLayers) {
      const layers = (lib.decodeLayers(frame, linkType) as LibLayer[]).map(toLayer);
      return ifNames ? layers.map((l) => (l === layers[0] ? namedIfindex(l, ifNames) : l)) : layers;
    }
  } catch {
    /* fall through to the raw view */
  }
  return [{ name: `Frame (link-type ${linkType})`, offset: 0, length: frame.length, fields: [] }];
}
