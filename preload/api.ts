// The one typed contract between the UI and the back end. Types only: imported by main, preload and renderer.
// Electron implements it in preload/index.ts over IPC; web mode implements it over a WebSocket (renderer/src/api/).
// Requests are plain data; every reply is a Result; every on… subscription returns its unsubscribe.

export type { ErrorData, Result } from '../main/common/errors.ts';
import type { Result } from '../main/common/errors.ts';

/** Clock overrides past this (ns, either way) are refused (setClockOverride), as by the CLI's --clock. */
export { MAX_MANUAL_OFFSET_NS, OFFSET_UNIT_NS } from '../main/correlate/clockSkew.ts';

export type Unsubscribe = () => void;

export interface AppInfo {
  version: string;
  mode: 'electron' | 'web';
  platform: string;
  /** Running as root on Linux: the "Local lab" entry can start scenarios. */
  labAvailable: boolean;
  /** The lab's ssh_config when the lab is up (so nodes can be added from it). */
  labSshConfig: string | null;
  /** A bundled sample session exists in resources/. */
  sampleAvailable: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Sessions and packets

/** One captured interface of one node: a pane, a timeline lane, a pcapng interface. */
export interface CaptureInfo {
  /** Index into the packet batches' `capture` column. */
  index: number;
  node: string;
  iface: string;
  linkType: number;
  packets: number;
  /** Kernel drops reported by tcpdump, when known. */
  drops: number | null;
  /** Problems reading the file or stream (truncated final record, bad block…), as text with an offset. */
  problems: string[];
}

export interface ClockInfo {
  node: string;
  /** How far this node's clock is ahead of the reference node's (ns); positive = ahead. */
  offsetNs: number;
  uncertaintyNs: number | null;
  method: string;
  /** Set when the user overrode the estimate; offsetNs is then the override. */
  overridden: boolean;
  /** The estimate before any override. */
  estimatedOffsetNs: number;
  /**
   * An override outside the interval the estimate gives (offset ± uncertainty): hops across the node may show
   * negative latencies or not be linked. False when not overridden or the estimate is unbounded.
   */
  outsideEstimate: boolean;
  /**
   * The estimate misses the bounds the packets between this node and `against` give, by `byNs` (ClockEstimate
   * .conflict): hops between the two may be off by as much. Null when it fits them (and for the reference, manual,
   * one-way and inconsistent nodes).
   */
  conflict: { against: string; byNs: number } | null;
  /**
   * Why the offset is left unknown ('none') or is a guess ('traffic-inconsistent': how far a drift moved it, or a
   * mislinked packet), how fast it drifts ('traffic-drift'), or that it misses another node's bounds (no steady
   * offsets fit every pair), as the CLI's clock line says it; null when nothing needs saying.
   */
  note: string | null;
  /**
   * A drifting clock (null: steady): offsetNs is its offset at `atNs` (ns since the epoch, a decimal string, on
   * the reference clock), and it grows by `ppm` millionths of the time since. Times are corrected along it.
   */
  rate: { ppm: number; ppmUncertainty: number; atNs: string } | null;
  /**
   * The estimate before any override, when it drifts: its rate and the offsets it gives at the first and the last
   * packet that bounded it (a steady override cannot follow it); null otherwise.
   */
  estimatedRate: { ppm: number; ppmUncertainty: number; fromOffsetNs: number; toOffsetNs: number } | null;
}

export interface SessionInfo {
  id: string;
  title: string;
  /** Where it lives on disk (session folder or first file), if anywhere. */
  path: string | null;
  live: boolean;
  /** Timestamps in batches are relative to this (ns since the epoch, as a decimal string: it exceeds 2^53). */
  baseNs: string;
  captures: CaptureInfo[];
  packets: number;
  journeys: number;
  flows: number;
  clocks: ClockInfo[];
  referenceNode: string | null;
  /** Bumped whenever journeys or clocks are recomputed: the renderer re-fetches what it shows. */
  revision: number;
  /**
   * True while journeys, flows and clocks are still being computed (in a worker thread): packets can already be
   * fetched (journey -1), and a sessionChanged with a new revision follows when correlation completes.
   */
  correlating?: boolean;
  /** Bumped when the packet rows themselves (their order or count) change: the renderer reloads from scratch
   *  instead of refreshing journey columns in place. Absent: 1. */
  rowsRevision?: number;
  /**
   * What the user must know about the session as a whole, shown above it: a live capture whose journeys stopped
   * (the live packet limit was reached, or live correlation failed) while the capture goes on; files of an
   * opened session that gave no interface at all (not a capture). Absent: nothing.
   */
  notice?: string;
  /**
   * Opened as a time range of its captures (OpenRange): ns since the epoch as decimal strings, null for an open
   * side. Absent: every packet.
   */
  range?: { afterNs: string | null; beforeNs: string | null };
}

/**
 * A time range of the captures to open (`hopscope correlate --after/--before`): packets captured at `after` or
 * later and before `before`, each by its own timestamp before any clock correction. A TIME is seconds since
 * the epoch (1764127443.437931), a UTC date-time (2026-11-26T03:24:03.437931068Z) or a time of day
 * (03:24:03.437931068 or 00:10: on the date that puts it among the captures' packets, to the precision given,
 * else nearest to them; docs/capture.md). Absent: that side is open.
 */
export interface OpenRange {
  after?: string;
  before?: string;
}

/**
 * The detail of an open's TOO_MANY_PACKETS: the limit, and (once a packet was read) the time of the captures'
 * first packet (in the open's range, if it had one) and the time of the first packet past the limit in time
 * order across all files, both ns since the epoch as decimal strings: the range between them (after ≤ t <
 * before) holds at most `limit` packets and is never empty. No `limitNs` when more than `limit` packets share
 * the first packet's time (no such range exists).
 */
export interface TooManyPacketsDetail {
  limit: number;
  firstNs?: string;
  limitNs?: string;
}

/** Opening a large session: reading the files (bytes), then correlating (no finer progress), then ready. */
export interface SessionProgress {
  sessionId: string;
  title: string;
  phase: 'reading' | 'correlating' | 'ready' | 'failed';
  done: number;
  total: number;
  /** Milliseconds since the open started. */
  elapsedMs: number;
  /** Why, when phase is 'failed' (the packets shown so far stay). */
  message?: string;
  /**
   * While correlating: reading the files (done/total are bytes, every reading thread counted), then grouping
   * rows per node, then linking journeys across nodes.
   */
  stage?: 'reading' | 'grouping' | 'linking';
}

/** Packets in columns (index i of each array is one packet); global index = from + i. */
export interface PacketBatch {
  sessionId: string;
  from: number;
  capture: Uint16Array;
  /** Captured timestamp in ns relative to SessionInfo.baseNs (not clock-corrected). */
  tsNs: Float64Array;
  /** Original length on the wire. */
  length: Uint32Array;
  /** Journey id, -1 when the packet belongs to none (yet). */
  journey: Int32Array;
  /** Position of this packet in its journey's hops, -1 when none. */
  hop: Int16Array;
  /** Innermost L4 protocol number (1 ICMP, 6 TCP, 17 UDP), 0 none. */
  proto: Uint8Array;
  /** Decode status: 0 ok, 1 truncated, 2 malformed, 3 not IP. */
  status: Uint8Array;
}

export interface PacketRange {
  sessionId: string;
  from: number;
  count: number;
}

export interface Layer {
  name: string;
  /** Byte range of this layer (header included) in the frame, for the hex highlight. */
  offset: number;
  length: number;
  fields: LayerField[];
  children?: Layer[];
}

export interface LayerField {
  name: string;
  value: string;
  offset: number;
  length: number;
}

export interface PacketDetail {
  index: number;
  capture: number;
  tsNs: string;
  summary: string;
  bytes: Uint8Array;
  layers: Layer[];
  /** Truncated/malformed notes with the offset. */
  problem: string | null;
}

// ---------------------------------------------------------------------------------------------------------
// Journeys (hops follow the hopscope.journeys/1 JSON schema, plus packet indices for navigation)

export interface Encap {
  type: 'vxlan' | 'geneve' | 'ipip';
  vni?: number;
  outerSrc: string;
  outerDst: string;
  srcPort?: number;
  dstPort?: number;
  /** VXLAN: the inner Ethernet header (the VTEPs' MACs), with owners when known. */
  innerEth?: MacPair | null;
}

export interface MacPair {
  src: string;
  /** Null on a Linux cooked capture (`tcpdump -i any`): it records the source's address only. */
  dst: string | null;
  srcOwner?: string | null;
  dstOwner?: string | null;
}

export interface Hop {
  node: string;
  iface: string;
  capture: number;
  /** Global packet index of this hop's packet. */
  packet: number;
  tsNs: string;
  /** Clock-corrected, relative to SessionInfo.baseNs. */
  tRelNs: number;
  /** Latency from hop `fromHop`, clock-corrected (ns), null when that is null. */
  latencyNs: number | null;
  /**
   * The hop (index) the latency and changes are from: the previous one, except for copies of one broadcast or
   * multicast frame (the first copy on this node, or the sender's) and the pieces of a TCP segment cut on the way
   * (the whole segment's hop; a segment merging them again: the first piece's); null for the first hop and for a
   * copy another node received in parallel (no hop between them).
   */
  fromHop: number | null;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
  ttl: number | null;
  eth: MacPair | null;
  encap: Encap[];
  changes: string[];
  /**
   * A `split` hop (a piece of a TCP segment cut on the way): which of the whole segment's payload bytes it carries,
   * [start, end) of `of`, counted from the segment's first byte; null on every other hop.
   */
  piece: { start: number; end: number; of: number } | null;
  /**
   * A hop where the packet was seen only encrypted, in a WireGuard transport data message: the hop's addresses,
   * ports and TTL are the tunnel's UDP datagram's, and the packet inside is not visible. Its receiver index (null
   * when the frame could not be read), counter and encrypted length (padding included); null on every other hop.
   */
  wireguard: { receiver: number | null; counter: number; dataLength: number } | null;
}

export interface JourneySummary {
  id: number;
  summary: string;
  proto: string;
  src: string;
  dst: string;
  hops: number;
  /** The nodes crossed in path order, one entry per stay: node-1 → node-2 → node-1 lists node-1 twice. */
  nodes: string[];
  startRelNs: number;
  durationNs: number;
  flow: number | null;
  /** 'request' | 'reply' | '' */
  direction: string;
  /** Only on a journey said stopped (docs/correlation.md, "Where a packet stopped"): where, and what says so. */
  stop?: JourneyStopView;
}

/** Where a journey stopped, in the words of the CLI's ladder. */
export interface JourneyStopView {
  /** The last hop's `node/iface`. */
  after: string;
  /** `not seen after node-2/flannel.1, though node-2/cni0 and node-2/veth470beb22 were capturing`. */
  text: string;
  /** One line per piece of evidence (the other packets that went on, the destination pod's veth, an ICMP error). */
  evidence: string[];
}

export interface JourneyPage {
  total: number;
  from: number;
  items: JourneySummary[];
  /** Why the filter could not be read (it then matches nothing): "unmatched ")" at column 12". */
  error?: string;
  /**
   * The session's flows when the page was taken (the same live snapshot as `total`: SessionInfo.flows may be a newer
   * snapshot's for a moment, and "30 journeys · 41 flows" mixed two).
   */
  flows?: number;
}

/** A page of journeys before the service adds `from`. */
export type JourneyMatches = Omit<JourneyPage, 'from'>;

export interface JourneyQuery {
  sessionId: string;
  /** Free text: matches addresses, protocol, node names, summary. */
  filter: string;
  from: number;
  count: number;
}

export interface JourneyView extends JourneySummary {
  hopList: Hop[];
}

// ---------------------------------------------------------------------------------------------------------
// Export

export type ExportFormat = 'pcapng' | 'json' | 'csv';

export interface ExportRequest {
  sessionId: string;
  format: ExportFormat;
  /** Only these journeys (all when absent). */
  journeys?: number[];
  /**
   * Only the journeys this journey filter lists (the journey list's, tcpdump's language; with `journeys`, those of
   * them it lists): the JSON's `selection` and the pcapng's section comment name it. Blank: no filter.
   */
  filter?: string;
  /** Only packets in [start, end) ns relative to baseNs, clock-corrected. */
  rangeNs?: [number, number];
  clockCorrected: boolean;
  /**
   * Destination file: an absolute path (or ~/…), in an existing folder; default: a new file in the app's export
   * folder. An existing file is replaced only with `overwrite` (else the error's detail says `exists`).
   */
  path?: string;
  overwrite?: boolean;
}

export interface ExportResult {
  path: string;
  bytes: number;
  /** Packets written: every frame of a pcapng; the journeys' hops of a JSON or CSV. */
  packets: number;
  /** JSON and CSV: the journeys written. */
  journeys?: number;
  /** Web mode: a URL (token included) to download it. */
  downloadUrl?: string;
}

export interface ExportProgress {
  sessionId: string;
  done: number;
  total: number;
}

// ---------------------------------------------------------------------------------------------------------
// Nodes, host keys, interfaces

export interface SshAlias {
  alias: string;
  host: string;
  user: string | null;
  port: number;
  proxyJump: string | null;
}

export type AuthMethod = 'agent' | 'key' | 'password';

export interface NodeSpec {
  /** Display name (node-1). */
  name: string;
  /** An ~/.ssh/config (or configPath) alias; or host/user/port below. */
  alias?: string;
  configPath?: string;
  host?: string;
  user?: string;
  port?: number;
  auth?: AuthMethod;
  identityFile?: string;
  /**
   * The node's login password, never sent to a jump host. Never saved in clear; kept in memory for this run only
   * (as are passphrase, jumpPassword and sudoPassword).
   */
  password?: string;
  /** The jump hosts' login password (the ProxyJump field's, or the alias's), never sent to the node. */
  jumpPassword?: string;
  /**
   * Jump hosts' own passwords, one per host of a multi-hop chain: `host` as the hop is written in ProxyJump
   * (`[user@]host[:port]`, or its HostName); a jump host without one gets jumpPassword. Memory only, as the others.
   */
  jumpPasswords?: { host: string; password: string }[];
  /** Passphrase of an encrypted key file. */
  passphrase?: string;
  proxyJump?: string;
  sudo?: boolean;
  sudoPassword?: string;
  knownHostsPath?: string;
}

/** `login`: a login password (or keyboard-interactive answer) is asked for (onLoginPrompt). */
export type NodeState =
  'idle' | 'connecting' | 'hostkey' | 'login' | 'connected' | 'capturing' | 'lost' | 'error';

export interface NodeInfo {
  name: string;
  target: string;
  state: NodeState;
  error: { code: string; message: string } | null;
  interfaces: IfaceInfo[];
  /** How the node is reached, without secrets (for the edit form). */
  spec?: NodeSpec;
  /** On the status event of an edit that renamed the node: the name it had (the card this one replaces). */
  renamedFrom?: string;
}

export interface HostKeyPrompt {
  promptId: string;
  node: string;
  /**
   * `address:port` of the host whose key it is (`[addr]:port` for IPv6, as ssh writes it): the node's, or a jump
   * host's on the way to it.
   */
  host: string;
  /** Set for a jump host: its name as given (an ssh_config alias such as `bastion`, or its address). */
  jumpHost?: string;
  keyType: string;
  /** SHA256:… as OpenSSH prints it. */
  fingerprint: string;
}

/**
 * A login question for a node or a jump host on the way to it, put to the user when that host takes a password
 * (or keyboard-interactive) and the node's form gave none for it: what `ssh` would ask on its terminal.
 */
export interface LoginPrompt {
  promptId: string;
  node: string;
  /** The login user and `address:port` (`[addr]:port` for IPv6) of the host that asks: the node, or a jump host. */
  user: string;
  host: string;
  /** Set for a jump host: its name as given (an ssh_config alias such as `bastion`, or its address). */
  jumpHost?: string;
  method: 'password' | 'keyboard-interactive';
  /** keyboard-interactive: the server's name and instruction for the round ('' when it sends none). */
  name: string;
  instructions: string;
  /**
   * What to ask, in order, as `ssh` words it (`user@host's password: `, or the server's own prompt after
   * `(user@host) `); `echo`: the server wants the answer shown as typed (else hidden).
   */
  prompts: { prompt: string; echo: boolean }[];
  /** Answers this host refused already on this connection (ssh's "Permission denied, please try again."). */
  refused: number;
}

export type IfaceKind =
  | 'physical'
  | 'bridge'
  | 'vxlan'
  | 'geneve'
  | 'ipip'
  | 'tun'
  | 'wireguard'
  | 'veth'
  | 'cali'
  | 'loopback'
  | 'other';

export interface IfaceInfo {
  name: string;
  kind: IfaceKind;
  mac: string | null;
  addresses: string[];
  mtu: number | null;
  up: boolean;
  /** Bridge this interface is a port of. */
  master: string | null;
  /** veth peer (name, or netns/name when known). */
  peer: string | null;
  /** VXLAN (or Geneve) VNI and port. */
  vni: number | null;
  vxlanPort: number | null;
}

export interface NodeStatusEvent {
  node: NodeInfo;
}

// ---------------------------------------------------------------------------------------------------------
// Capture

export interface CaptureTarget {
  node: string;
  iface: string;
}

export interface CaptureRequest {
  targets: CaptureTarget[];
  /**
   * Globs as `hopscope capture --iface` takes them (`cali*`, `node-2:eth*`): on a node whose interfaces were never
   * listed (still connecting, or unreachable, at Start) they pick what to capture when it comes up, and it joins
   * the running capture then. Nodes with chosen interfaces (targets) capture those.
   */
  selectors?: string[];
  filter: string;
  snaplen: number;
  /** Leave out the management SSH traffic (default true). */
  excludeSsh: boolean;
  /**
   * Widen a non-empty filter with the overlay tunnels' outer packets (VXLAN 4789/8472, IPIP), so a packet the
   * filter matches is also caught on the underlay while encapsulated (default true).
   */
  followTunnels?: boolean;
  /**
   * How tcpdump hands packets over: 'buffered' (default: kernel blocks, no loss at 50 k packets/s, up to ~1 s
   * late) or 'immediate' (each packet at once; the kernel drops under load).
   */
  delivery?: 'buffered' | 'immediate';
  /**
   * Globs (`cali*`, `node-1:veth*`) whose new matches are captured too while capturing: an interface that appears
   * (a new pod's veth) or comes up later. The app sends those it selected with.
   */
  follow?: string[];
}

export interface FilterCheck {
  node: string;
  ok: boolean;
  message: string;
}

export interface IfaceCounters {
  node: string;
  iface: string;
  packets: number;
  bytes: number;
  drops: number | null;
  state: 'starting' | 'running' | 'stopped' | 'lost' | 'error';
  error: string | null;
}

export interface CaptureStats {
  sessionId: string;
  elapsedMs: number;
  running: boolean;
  /**
   * The nodes the running capture holds: those it captures on and those joining late (still connecting), which
   * cannot be edited, removed or disconnected until it stops. Empty once it stopped.
   */
  nodes: string[];
  counters: IfaceCounters[];
}

// ---------------------------------------------------------------------------------------------------------
// Local lab

export interface LabStatus {
  available: boolean;
  reason: string | null;
  scenario: string | null;
  scenarios: string[];
  sshConfig: string | null;
  busy: boolean;
}

// ---------------------------------------------------------------------------------------------------------

export interface HopscopeApi {
  appInfo(): Promise<Result<AppInfo>>;

  // Sessions
  openSample(): Promise<Result<SessionInfo>>;
  /** pcap/pcapng files (NODE:IFACE=FILE labels any file; NODE__IFACE.pcap labels itself) or session folders. */
  /**
   * `title`: the session's title (default: from the paths). `range`: only the packets of this time range of the
   * captures (OpenRange); an open past the packet limit fails with TOO_MANY_PACKETS, whose detail
   * (TooManyPacketsDetail) says where a range that fits might end.
   */
  openPaths(req: { paths: string[]; title?: string; range?: OpenRange }): Promise<Result<SessionInfo>>;
  /**
   * Dropped files, as bytes (web mode and drag and drop); `folder`: the name of the folder a file was dropped in
   * (a folder dropped whole), which tells apart files of one name from several folders.
   */
  openFiles(req: {
    files: { name: string; folder?: string; bytes: Uint8Array }[];
    /** As openPaths' (the page sends the bytes again to open a time range of them). */
    range?: OpenRange;
  }): Promise<Result<SessionInfo>>;
  getSession(req: { sessionId: string }): Promise<Result<SessionInfo>>;
  /** The UI no longer shows the session: its worker, columns and open capture files are released. */
  closeSession(req: { sessionId: string }): Promise<Result<null>>;
  getPackets(req: PacketRange): Promise<Result<PacketBatch>>;
  /** tcpdump-style one-liners for the given global packet indices (only what a pane shows). */
  getSummaries(req: { sessionId: string; indices: number[] }): Promise<Result<string[]>>;
  getPacketDetail(req: { sessionId: string; index: number }): Promise<Result<PacketDetail>>;
  listJourneys(req: JourneyQuery): Promise<Result<JourneyPage>>;
  getJourney(req: { sessionId: string; journeyId: number }): Promise<Result<JourneyView>>;
  setClockOverride(req: {
    sessionId: string;
    node: string;
    offsetNs: number | null;
  }): Promise<Result<SessionInfo>>;
  exportSession(req: ExportRequest): Promise<Result<ExportResult>>;
  onExportProgress(cb: (p: ExportProgress) => void): Unsubscribe;
  onSessionChanged(cb: (s: SessionInfo) => void): Unsubscribe;
  onSessionProgress(cb: (p: SessionProgress) => void): Unsubscribe;
  /** Live packets, a few batches per second (never one message per packet). */
  onPacketBatch(cb: (b: PacketBatch) => void): Unsubscribe;

  // Nodes
  listSshAliases(req: { configPath?: string }): Promise<Result<SshAlias[]>>;
  listNodes(): Promise<Result<NodeInfo[]>>;
  addNode(req: NodeSpec): Promise<Result<NodeInfo>>;
  removeNode(req: { name: string }): Promise<Result<null>>;
  /**
   * Changes how a node is reached (and possibly its name). Its connection is closed (reconnect to apply); secrets
   * left out of `spec` keep their in-memory values. Refused while the node is capturing.
   */
  updateNode(req: { name: string; spec: NodeSpec }): Promise<Result<NodeInfo>>;
  /** Connects and discovers interfaces; an unknown host key raises onHostKeyPrompt while this waits. */
  connectNode(req: { name: string }): Promise<Result<NodeInfo>>;
  disconnectNode(req: { name: string }): Promise<Result<NodeInfo>>;
  answerHostKey(req: { promptId: string; accept: boolean }): Promise<Result<null>>;
  /** The host-key questions open now (a page loaded while one is asked shows it too). */
  listHostKeyPrompts(): Promise<Result<HostKeyPrompt[]>>;
  onHostKeyPrompt(cb: (p: HostKeyPrompt) => void): Unsubscribe;
  /** A host-key question was answered (here or in another page), or given up (the app closing, 5 minutes). */
  onHostKeyPromptClosed(cb: (p: { promptId: string }) => void): Unsubscribe;
  /**
   * Answers a login question (one answer per prompt); `answers: null` is Cancel: the method is skipped, as ssh
   * does when none is given. The answers go to that host only and are never sent back in an event.
   */
  answerLogin(req: { promptId: string; answers: string[] | null }): Promise<Result<null>>;
  /** The login questions open now (a page loaded while one is asked shows it too). */
  listLoginPrompts(): Promise<Result<LoginPrompt[]>>;
  onLoginPrompt(cb: (p: LoginPrompt) => void): Unsubscribe;
  /** A login question was answered (here or in another page), cancelled, or given up (its node gone, timeout). */
  onLoginPromptClosed(cb: (p: { promptId: string }) => void): Unsubscribe;
  onNodeStatus(cb: (n: NodeInfo) => void): Unsubscribe;

  // Capture
  validateFilter(req: { filter: string; nodes: string[] }): Promise<Result<FilterCheck[]>>;
  startCapture(req: CaptureRequest): Promise<Result<SessionInfo>>;
  stopCapture(): Promise<Result<SessionInfo>>;
  onCaptureStats(cb: (s: CaptureStats) => void): Unsubscribe;

  // Local lab (root, Linux)
  labStatus(): Promise<Result<LabStatus>>;
  labUp(req: { scenario: string }): Promise<Result<LabStatus>>;
  labDown(): Promise<Result<LabStatus>>;
  labTraffic(req: { scenario: string }): Promise<Result<string>>;
}

/** Request methods (everything that is not an on… subscription), for the IPC and WebSocket wiring. */
export const API_METHODS = [
  'appInfo',
  'openSample',
  'openPaths',
  'openFiles',
  'getSession',
  'closeSession',
  'getPackets',
  'getSummaries',
  'getPacketDetail',
  'listJourneys',
  'getJourney',
  'setClockOverride',
  'exportSession',
  'listSshAliases',
  'listNodes',
  'addNode',
  'removeNode',
  'updateNode',
  'connectNode',
  'disconnectNode',
  'answerHostKey',
  'listHostKeyPrompts',
  'answerLogin',
  'listLoginPrompts',
  'validateFilter',
  'startCapture',
  'stopCapture',
  'labStatus',
  'labUp',
  'labDown',
  'labTraffic',
] as const satisfies readonly (keyof HopscopeApi)[];

export type ApiMethod = (typeof API_METHODS)[number];

/** Event channels: the on… subscriptions and the name their payloads travel under. */
export const API_EVENTS = {
  onExportProgress: 'exportProgress',
  onSessionChanged: 'sessionChanged',
  onSessionProgress: 'sessionProgress',
  onPacketBatch: 'packetBatch',
  onHostKeyPrompt: 'hostKeyPrompt',
  onHostKeyPromptClosed: 'hostKeyPromptClosed',
  onLoginPrompt: 'loginPrompt',
  onLoginPromptClosed: 'loginPromptClosed',
  onNodeStatus: 'nodeStatus',
  onCaptureStats: 'captureStats',
} as const satisfies Partial<Record<keyof HopscopeApi, string>>;

export type ApiEventName = (typeof API_EVENTS)[keyof typeof API_EVENTS];
