// Argument checks for every API method, shared by the Electron IPC wiring and the web-mode WebSocket: a request
// that does not match its method's shape is refused with USAGE before any service code sees it.

import type { ApiMethod } from '../../preload/api.ts';
import { MAX_MANUAL_OFFSET_NS } from '../correlate/clockSkew.ts';

type Check = (v: unknown, path: string) => string | null;

const str =
  (max = 4096): Check =>
  (v, p) =>
    typeof v === 'string' && v.length <= max && !v.includes('\0')
      ? null
      : `${p}: expected a string (≤${max} chars)`;
const int =
  (min: number, max: number): Check =>
  (v, p) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? null
      : `${p}: expected an integer in [${min}, ${max}]`;
const num: Check = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? null : `${p}: expected a finite number`;
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : `${p}: expected a boolean`);
/** A manual clock offset, bounded as the CLI's --clock. */
const offset: Check = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_MANUAL_OFFSET_NS
    ? null
    : `${p}: expected an offset of at most 50 days either way (ns)`;
const oneOf =
  (...vals: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && vals.includes(v) ? null : `${p}: expected one of ${vals.join(', ')}`;
const nullable =
  (c: Check): Check =>
  (v, p) =>
    v === null ? null : c(v, p);
const bytes: Check = (v, p) => (v instanceof Uint8Array ? null : `${p}: expected bytes`);
const arr =
  (c: Check, max: number): Check =>
  (v, p) => {
    if (!Array.isArray(v) || v.length > max) return `${p}: expected an array (≤${max} items)`;
    for (let i = 0; i < v.length; i++) {
      const e = c(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return null;
  };
/** An object with exactly these keys (optional ones marked with a trailing '?'); unknown keys are refused. */
const obj =
  (shape: Record<string, Check>): Check =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v))
      return `${p}: expected an object`;
    const rec = v as Record<string, unknown>;
    const keys = new Map(Object.keys(shape).map((k) => [k.replace(/\?$/, ''), k]));
    for (const k of Object.keys(rec)) if (!keys.has(k)) return `${p}.${k}: unexpected field`;
    for (const [name, key] of keys) {
      const val = rec[name];
      if (val === undefined) {
        if (key.endsWith('?')) continue;
        return `${p}.${name}: missing`;
      }
      const e = shape[key](val, `${p}.${name}`);
      if (e) return e;
    }
    return null;
  };
const none: Check = (v, p) => (v === undefined || v === null ? null : `${p}: this method takes no argument`);

const MAX_INDEX = 2 ** 32;
/** OpenRange: TIME strings (the back end reads them: session/timeRange.ts). */
const openRange = obj({ 'after?': str(64), 'before?': str(64) });
const sessionId = str(64);
const nodeName: Check = (v, p) =>
  typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v)
    ? `${p}: expected a node name (letters, digits, . _ -)`
    : v.includes('__')
      ? // As the capture refuses it at Start (sessionFolder.ts checkNodeName): said when the node is added.
        `${p}: no '__' in a node name (it separates the node from the interface in capture file names)`
      : null;
const ifaceName: Check = (v, p) =>
  typeof v === 'string' && v.length > 0 && v.length <= 64 && !/[\s/\0]/.test(v)
    ? null
    : `${p}: expected an interface name`;
/** A glob selector as `hopscope capture --iface` takes it: `GLOB` or `NODE:GLOB`, no space, slash or NUL. */
const selector: Check = (v, p) =>
  typeof v === 'string' && v.length > 0 && v.length <= 130 && !/[\s/\0]/.test(v) && !v.endsWith(':')
    ? null
    : `${p}: expected an interface glob (cali*, node-2:eth*)`;

const nodeSpec = obj({
  name: nodeName,
  'alias?': str(255),
  'configPath?': str(),
  'host?': str(255),
  'user?': str(64),
  'port?': int(1, 65535),
  'auth?': oneOf('agent', 'key', 'password'),
  'identityFile?': str(),
  'password?': str(1024),
  'jumpPassword?': str(1024),
  'jumpPasswords?': arr(obj({ host: str(255), password: str(1024) }), 16),
  'passphrase?': str(1024),
  'proxyJump?': str(255),
  'sudo?': bool,
  'sudoPassword?': str(1024),
  'knownHostsPath?': str(),
});

const schemas: Record<ApiMethod, Check> = {
  appInfo: none,
  openSample: none,
  openPaths: obj({ paths: arr(str(), 256), 'title?': str(255), 'range?': openRange }),
  openFiles: obj({
    files: arr(obj({ name: str(255), 'folder?': str(255), bytes }), 256),
    'range?': openRange,
  }),
  getSession: obj({ sessionId }),
  closeSession: obj({ sessionId }),
  getPackets: obj({ sessionId, from: int(0, MAX_INDEX), count: int(0, 5_000_000) }),
  getSummaries: obj({ sessionId, indices: arr(int(0, MAX_INDEX), 10_000) }),
  getPacketDetail: obj({ sessionId, index: int(0, MAX_INDEX) }),
  listJourneys: obj({ sessionId, filter: str(256), from: int(0, MAX_INDEX), count: int(0, 100_000) }),
  getJourney: obj({ sessionId, journeyId: int(0, MAX_INDEX) }),
  setClockOverride: obj({ sessionId, node: nodeName, offsetNs: nullable(offset) }),
  exportSession: obj({
    sessionId,
    format: oneOf('pcapng', 'json', 'csv'),
    'journeys?': arr(int(0, MAX_INDEX), 1_000_000),
    'filter?': str(256),
    'rangeNs?': (v, p) =>
      Array.isArray(v) && v.length === 2 ? (num(v[0], p) ?? num(v[1], p)) : `${p}: expected [start, end]`,
    clockCorrected: bool,
    'path?': str(),
    'overwrite?': bool,
  }),
  listSshAliases: obj({ 'configPath?': str() }),
  listNodes: none,
  addNode: nodeSpec,
  removeNode: obj({ name: nodeName }),
  updateNode: obj({ name: nodeName, spec: nodeSpec }),
  connectNode: obj({ name: nodeName }),
  disconnectNode: obj({ name: nodeName }),
  answerHostKey: obj({ promptId: str(64), accept: bool }),
  listHostKeyPrompts: none,
  // As long as the form's password fields; the count is checked against the question by the service.
  answerLogin: obj({ promptId: str(64), answers: nullable(arr(str(1024), 32)) }),
  listLoginPrompts: none,
  validateFilter: obj({ filter: str(4096), nodes: arr(nodeName, 64) }),
  startCapture: obj({
    targets: arr(obj({ node: nodeName, iface: ifaceName }), 512),
    'selectors?': arr(selector, 64),
    filter: str(4096),
    snaplen: int(0, 262144),
    excludeSsh: bool,
    'followTunnels?': bool,
    'delivery?': oneOf('buffered', 'immediate'),
    'follow?': arr(str(256), 64),
  }),
  stopCapture: none,
  labStatus: none,
  labUp: obj({ scenario: str(64) }),
  labDown: none,
  labTraffic: obj({ scenario: str(64) }),
};

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(schemas, m);
}

/** null when the request is acceptable for the method, else why not. */
export function validateRequest(method: ApiMethod, req: unknown): string | null {
  return schemas[method](req, method);
}
