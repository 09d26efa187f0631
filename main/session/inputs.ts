// Turns command-line style arguments (capture files, NODE:IFACE=FILE, session folders) into the list of
// capture files to read plus what the session knows: discovered interfaces and SSH clock probes.

import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import type { ErrorData, Result } from '../common/errors.ts';
import type { ClockProbe } from '../correlate/clockSkew.ts';
import type { InterfaceInfo } from '../correlate/ownership.ts';
import type { NodeInterfaces } from '../discover/model.ts';
import { laneName, SESSION_FILE, SESSION_SCHEMA } from '../capture/sessionFolder.ts';
import { fromDiscovery, readIpJsonFiles } from './interfaces.ts';
import { parseLabelledArg, type LabelledPath } from './labels.ts';

export interface Inputs {
  files: LabelledPath[];
  interfaces: InterfaceInfo[];
  probes: ClockProbe[];
  /** session.json of each session folder given (parsed, unvalidated beyond the schema name). */
  sessions: { dir: string; doc: Record<string, unknown> }[];
  warnings: string[];
}

/**
 * The kernel's drops per capture lane (`node/iface`, `iface~N` for a name captured again) as tcpdump counted them,
 * from the session.json of each session folder given; lanes it does not name are absent.
 */
export function sessionDrops(inputs: Pick<Inputs, 'sessions'>): Map<string, number> {
  const drops = new Map<string, number>();
  for (const s of inputs.sessions) {
    const caps = Array.isArray(s.doc.captures) ? (s.doc.captures as Record<string, unknown>[]) : [];
    for (const cap of caps) {
      // The kernel's drops as tcpdump counted them (it read `drops`, which session.json never had: no pane said
      // "N dropped" for a capture folder); a name captured again is its own lane, `iface~N`.
      if (cap === null || typeof cap !== 'object') continue;
      const n = cap.kernelDrops;
      if (typeof n !== 'number') continue;
      const lane = laneName(String(cap.iface), typeof cap.instance === 'number' ? cap.instance : 1);
      drops.set(`${cap.node}/${lane}`, n);
    }
  }
  return drops;
}

/** A file name that says capture: a folder's files so named are its captures (a drop's too: app/dropped.ts). */
export const CAPTURE_EXT = /\.(pcap|pcapng|cap)$/i;

function bad(code: ErrorData['code'], message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/** Reads a session folder: session.json when present, else every capture file in it. */
function loadFolder(dir: string, out: Inputs, nodesSeen: Set<string>): Result<true> {
  const sj = join(dir, SESSION_FILE);
  if (existsSync(sj)) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(readFileSync(sj, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      return bad('SESSION_INVALID', `${sj}: not JSON (${(e as Error).message})`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
      return bad('SESSION_INVALID', `${sj}: not a session document (${doc === null ? 'null' : typeof doc})`);
    if (doc.schema !== SESSION_SCHEMA) {
      return bad(
        'SESSION_INVALID',
        `${sj}: schema ${JSON.stringify(doc.schema)}, expected ${SESSION_SCHEMA}`,
      );
    }
    out.sessions.push({ dir, doc });
    const nodes = Array.isArray(doc.nodes) ? (doc.nodes as Record<string, unknown>[]) : [];
    for (const n of nodes) {
      if (n === null || typeof n !== 'object') continue;
      const discovery = n.discovery as NodeInterfaces | null | undefined;
      if (discovery && Array.isArray(discovery.interfaces)) {
        // Written by hand or by another tool: a malformed model names no interfaces, with a warning.
        let infos;
        try {
          if (typeof discovery.node !== 'string') throw new Error('no node name');
          infos = fromDiscovery(discovery);
        } catch (e) {
          out.warnings.push(
            `${sj}: ${String(n.name)}: discovered interfaces unreadable (${(e as Error).message}): ignored`,
          );
          continue;
        }
        out.interfaces.push(...infos);
        nodesSeen.add(discovery.node);
      }
      // What the capture said of the node (a selector it lacked, a chosen interface gone at start) stays said; each
      // warning names its node.
      if (Array.isArray(n.warnings))
        for (const w of n.warnings) if (typeof w === 'string') out.warnings.push(w);
      const clock = n.clock as { offsetNs?: unknown; uncertaintyNs?: unknown } | null | undefined;
      if (clock && typeof clock.offsetNs === 'number' && typeof clock.uncertaintyNs === 'number') {
        out.probes.push({
          node: String(n.name),
          offsetNs: clock.offsetNs,
          uncertaintyNs: clock.uncertaintyNs,
        });
      }
    }
    const caps = Array.isArray(doc.captures) ? (doc.captures as Record<string, unknown>[]) : [];
    for (const c of caps) {
      if (c === null || typeof c !== 'object') continue;
      if (typeof c.file !== 'string' || typeof c.node !== 'string' || typeof c.iface !== 'string') continue;
      const path = join(dir, c.file);
      // A capture that never started (its pre-check failed) has no file, and said why when it was recorded.
      if (!existsSync(path)) {
        if (c.startedAt !== null || c.state !== 'failed')
          out.warnings.push(`${c.node}/${c.iface}: ${c.file} missing from the session folder`);
        continue;
      }
      const st = statSync(path);
      if (!st.isFile()) {
        out.warnings.push(`${c.node}/${c.iface}: ${c.file} in the session folder is not a file: skipped`);
        continue;
      }
      // Stopped before tcpdump was listening (a Ctrl-C in the first second): nothing was captured, not even a
      // header; the session is still whole.
      if (st.size === 0 && (c.packets === 0 || c.packets === undefined)) {
        out.warnings.push(`${c.node}/${c.iface}: nothing captured (${String(c.state ?? 'not started')})`);
        continue;
      }
      // The Nth interface of one name (a pod recreated under the same name while followed) is a lane of its own,
      // `NAME~N`, as its file name reads.
      const instance = typeof c.instance === 'number' && Number.isInteger(c.instance) ? c.instance : 1;
      out.files.push({ path, node: c.node, iface: laneName(c.iface, instance) });
    }
    return { ok: true, value: true };
  }
  const names = readdirSync(dir)
    .filter((f) => CAPTURE_EXT.test(f))
    .sort();
  if (names.length === 0) return bad('SESSION_INVALID', `${dir}: no session.json and no capture files`);
  for (const f of names) out.files.push(parseLabelledArg(join(dir, f)));
  return { ok: true, value: true };
}

/** Resolves arguments to inputs. Files next to `<node>.ip-link.json` get that node's interfaces. */
export function loadInputs(args: string[]): Result<Inputs> {
  const out: Inputs = { files: [], interfaces: [], probes: [], sessions: [], warnings: [] };
  const nodesSeen = new Set<string>();
  for (const arg of args) {
    const lp = parseLabelledArg(arg);
    let st;
    try {
      st = statSync(lp.path);
    } catch {
      return bad('FILE_NOT_FOUND', `no such file or folder: ${lp.path}`);
    }
    // A session folder's session.json stands for its folder (it is no capture: it was read as one).
    const folder = st.isDirectory()
      ? lp.path
      : basename(lp.path) === SESSION_FILE && lp.node === null
        ? dirname(lp.path)
        : null;
    if (folder !== null) {
      const r = loadFolder(folder, out, nodesSeen);
      if (!r.ok) return r;
    } else out.files.push(lp);
  }
  dropRepeatedFiles(out);
  // Two files given the same node and interface would be two lanes of one name (in the ladder, the JSON and the
  // pcapng's interfaces), their journeys impossible to tell apart.
  const lanes = new Map<string, string>();
  for (const f of out.files) {
    if (!f.node || !f.iface) continue;
    const key = `${f.node}/${f.iface}`;
    const other = lanes.get(key);
    if (other !== undefined)
      return bad('USAGE', `${other} and ${f.path} are both labelled ${key}: give one of them another label`);
    lanes.set(key, f.path);
  }
  // Interfaces of nodes named by the files, from `ip -j` files beside them (the lab's fixtures).
  for (const f of out.files) {
    if (!f.node || nodesSeen.has(f.node)) continue;
    const model = readIpJsonFiles(dirname(f.path), f.node);
    if (model) {
      out.interfaces.push(...fromDiscovery(model));
      nodesSeen.add(f.node);
    }
  }
  // Interface names by index for the nodes' files (a `-i any` capture's lanes: ingestFiles.ts).
  const byNode = new Map<string, Record<number, string>>();
  for (const i of out.interfaces) {
    if (i.ifindex === undefined) continue;
    const m = byNode.get(i.node) ?? {};
    m[i.ifindex] = i.name;
    byNode.set(i.node, m);
  }
  for (const f of out.files) if (f.node && byNode.has(f.node)) f.ifnames = byNode.get(f.node);
  return { ok: true, value: out };
}

/**
 * A capture file named twice (`a.pcap a.pcap`, or a session folder and a file in it) is read once, the first
 * time, with a warning: read twice, every packet of it would be a lane of its own, each a duplicate.
 */
function dropRepeatedFiles(out: Inputs): void {
  const seen = new Map<string, LabelledPath>();
  const label = (f: LabelledPath) => (f.node ? `${f.node}:${f.iface ?? ''}` : 'none');
  out.files = out.files.filter((f) => {
    let key: string;
    try {
      key = realpathSync(f.path);
    } catch {
      key = f.path; // gone since: the reader reports it
    }
    const first = seen.get(key);
    if (!first) {
      seen.set(key, f);
      return true;
    }
    // Labelled otherwise the second time: say which label stands (the first).
    const labels =
      f.node === null || label(first) === label(f)
        ? ''
        : `, labelled as the first time (${label(first)}), not ${label(f)}`;
    out.warnings.push(`${f.path} is given more than once: read once${labels}`);
    return false;
  });
}
