// Reads the inputs' capture files and feeds the correlator: the batch driver behind `hopscope correlate`,
// `hopscope export` and the app's "open session". Each pcapng interface becomes its own capture lane.

import { Correlator, type CaptureInfo, type CorrelateOptions } from '../correlate/correlator.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';
import { decodeFields } from '../decode/index.ts';
import { readCaptureFileSync } from '../pcap/file.ts';
import type { CaptureInterface, ReadProblem } from '../pcap/types.ts';
import type { Inputs } from './inputs.ts';
import { fallbackNode, splitInterfaceName } from './labels.ts';

export interface InputProblem {
  path: string;
  problem: ReadProblem | { code: string; message: string; offset: number };
}

export interface Correlated {
  result: CorrelationResult;
  /** Read problems (truncated or malformed files): records before the problem were still used. */
  problems: InputProblem[];
  correlator: Correlator;
}

function captureFor(
  path: string,
  label: { node: string | null; iface: string | null },
  iface: CaptureInterface,
  multi: boolean,
): CaptureInfo {
  const named = splitInterfaceName(iface.name);
  let node = label.node ?? named?.node ?? fallbackNode(path);
  let name = label.iface ?? named?.iface ?? (iface.name || `if${iface.id}`);
  if (multi && label.iface && !named) name = `${label.iface}#${iface.id}`;
  if (named && (multi || !label.node)) {
    node = named.node;
    name = named.iface;
  }
  return {
    node,
    iface: name,
    linkType: iface.linkType,
    path,
    interfaceId: iface.id,
    snaplen: iface.snaplen,
    mac: iface.mac,
    description: iface.description,
  };
}

/** Reads every input file and correlates (synchronous: run it in a worker when a UI is waiting). */
export function correlateInputs(inputs: Inputs, opts: CorrelateOptions = {}): Correlated {
  const clock = opts.clock ?? { mode: 'auto' as const };
  const c = new Correlator({ ...opts, clock: { ...clock, probes: clock.probes ?? inputs.probes } }, decodeFields);
  const problems: InputProblem[] = [];
  const extraIfaces: InterfaceInfo[] = [];
  for (const f of inputs.files) {
    const lanes = new Map<number, number>();
    let ifaces: readonly CaptureInterface[] = [];
    const r = readCaptureFileSync(f.path, (rec) => {
      let cap = lanes.get(rec.interfaceId);
      if (cap === undefined) {
        const iface = ifaces[rec.interfaceId] ?? {
          id: rec.interfaceId,
          linkType: rec.linkType,
          snaplen: 0,
          name: '',
          description: '',
          mac: -1,
          tsUnitsPerSec: 1e9,
          section: 0,
        };
        const info = captureFor(f.path, f, iface, ifaces.length > 1);
        cap = c.addCapture(info);
        lanes.set(rec.interfaceId, cap);
        if (info.mac !== undefined && info.mac >= 0) {
          extraIfaces.push({ node: info.node, name: info.iface, mac: info.mac, kind: '', addresses: [] });
        }
      }
      c.pushFrame(cap, rec.index, rec.offset, rec.tsSec, rec.tsNsec, rec.origLen, rec.data);
    }, {
      onInterface: (iface) => {
        ifaces = [...ifaces, iface];
      },
    });
    if (!r.ok) {
      problems.push({ path: f.path, problem: { code: r.error.code, message: r.error.message, offset: 0 } });
      continue;
    }
    if (r.value.problem) problems.push({ path: f.path, problem: r.value.problem });
    // A file with no packets still is a lane (an interface that saw nothing).
    if (lanes.size === 0) {
      const iface = r.value.interfaces[0];
      if (iface) c.addCapture(captureFor(f.path, f, iface, false));
    }
  }
  const known = new Set(inputs.interfaces.map((i) => `${i.node}/${i.name}`));
  c.setInterfaces([...inputs.interfaces, ...extraIfaces.filter((i) => !known.has(`${i.node}/${i.name}`))]);
  return { result: c.result(), problems, correlator: c };
}
