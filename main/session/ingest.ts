// Reads the inputs' capture files and feeds the correlator: the batch driver behind `hopscope correlate`,
// `hopscope export` and the app's "open session". Each pcapng interface becomes its own capture lane.

import { basename } from 'node:path';

import { HopscopeError } from '../common/errors.ts';
import { openPacketLimit } from '../common/limits.ts';
import { Correlator, type CorrelateOptions } from '../correlate/correlator.ts';
import { RowLimitReached } from '../correlate/observations.ts';
import type { CorrelationResult } from '../correlate/result.ts';
import { decodeFields } from '../decode/index.ts';
import { decodedLinkType, LINKTYPE_LINUX_SLL2 } from '../decode/fields.ts';
import { manualClockWarnings } from '../export/ladder.ts';
import { sessionDrops, type Inputs } from './inputs.ts';
import { decodeOptions, fileSize, ingestFiles, type Ingested, type InputProblem } from './ingestFiles.ts';
import { ingestInParallel, readingProgress, type IngestOptions } from './parallelIngest.ts';
import type { TimeRange } from './timeRange.ts';
import { trace } from '../common/trace.ts';

export { captureFor, type InputProblem } from './ingestFiles.ts';

/** True when some input gave nothing at all (missing, not a capture, or cut before its first record). */
export function anyUnreadable(problems: InputProblem[]): boolean {
  return problems.some(
    (p) => p.records === 0 || p.problem.code === 'PCAP_BAD_MAGIC' || p.problem.code === 'FILE_NOT_FOUND',
  );
}

export interface Correlated {
  result: CorrelationResult;
  /** Read problems (truncated or malformed files): records before the problem were still used. */
  problems: InputProblem[];
  correlator: Correlator;
  /** Threads that read the files (1, or the main thread plus ingest workers: parallelIngest.ts). */
  threads: number;
  /** Records a time range (opts.range) left out: no rows. */
  outside: number;
}

/**
 * Reads every input file and correlates (synchronous: run it in a worker when a UI is waiting). More packets
 * than opts.maxPackets (default openPacketLimit()) stop it with TOO_MANY_PACKETS before memory runs out.
 */
export function correlateInputs(inputs: Inputs, opts: CorrelateOptions & IngestOptions = {}): Correlated {
  const maxPackets = opts.maxPackets ?? openPacketLimit();
  try {
    return readAndCorrelate(inputs, { ...opts, maxPackets });
  } catch (e) {
    if (e instanceof RowLimitReached) throw tooManyPackets(inputs, e.limit, opts.range ?? null);
    throw e;
  }
}

/**
 * TOO_MANY_PACKETS for inputs holding more than `limit` packets (in `range`, when given), saying what to do.
 */
export function tooManyPackets(inputs: Inputs, limit: number, range: TimeRange | null = null): HopscopeError {
  const bytes = inputs.files.reduce((n, f) => n + fileSize(f.path), 0);
  const size = bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
  const files = inputs.files.length === 1 ? '1 file' : `${inputs.files.length} files`;
  const what = range
    ? `the time range of the captures (${files}, ${size})`
    : `the captures (${files}, ${size})`;
  return new HopscopeError(
    'TOO_MANY_PACKETS',
    `${what} hold${range ? 's' : ''} more than ${limit} ` +
      `packets, the most correlated at once here (HOPSCOPE_MAX_PACKETS; by default as many as half of this ` +
      `machine's memory holds, ~180 bytes a packet): open fewer interfaces, or a ${range ? 'shorter ' : ''}time ` +
      `range of them (--after/--before TIME; or cut the files first with editcap -A/-B)`,
    { limit },
  );
}

function readAndCorrelate(
  inputs: Inputs,
  opts: CorrelateOptions & IngestOptions & { maxPackets: number },
): Correlated {
  const clock = opts.clock ?? { mode: 'auto' as const };
  const full = { ...opts, clock: { ...clock, probes: clock.probes ?? inputs.probes } };
  trace('correlate: reading');
  // Capacity from the file sizes (a frame and its record header take at least 64 bytes): untouched
  // capacity costs address space, not memory, and growing by copying would double the peak.
  const sizes = inputs.files.map((f) => fileSize(f.path));
  const total = sizes.reduce((n, b) => n + b, 0);
  const expectedRows = opts.expectedRows ?? Math.ceil(total / 64);
  const parallel = ingestInParallel(inputs.files, sizes, { ...full, expectedRows }, inputs.interfaces);
  if (parallel) return finish(parallel.correlator, inputs, parallel.ingest, parallel.threads, opts);
  const c = new Correlator({ ...full, expectedRows }, decodeFields);
  c.obs.setRowLimit(opts.maxPackets);
  const progress = readingProgress(total, opts.onProgress);
  let done = 0;
  const ingest = ingestFiles(
    c,
    inputs.files,
    decodeOptions(opts),
    (n) => progress((done += n)),
    opts.range ?? null,
  );
  progress(done, true);
  return finish(c, inputs, ingest, 1, opts);
}

function finish(
  c: Correlator,
  inputs: Inputs,
  ingest: Ingested,
  threads: number,
  opts: IngestOptions,
): Correlated {
  const known = new Set(inputs.interfaces.map((i) => `${i.node}/${i.name}`));
  const extra = ingest.extraIfaces.filter((i) => !known.has(`${i.node}/${i.name}`));
  c.setInterfaces([...inputs.interfaces, ...extra]);
  opts.onRows?.(c.obs, c.captures.length);
  opts.onProgress?.({ stage: 'grouping', done: 0, total: 1 });
  c.advance(Infinity);
  trace('correlate: every node grouped');
  opts.onProgress?.({ stage: 'linking', done: 0, total: 1 });
  const result = c.result(opts.onLinked);
  result.range = opts.range ?? null;
  result.kernelDrops = sessionDrops(inputs);
  return { result, problems: ingest.problems, correlator: c, threads, outside: ingest.outside };
}

/**
 * Captures whose link type the decoders do not read (BSD loopback, …), with packets: each a warning, since their
 * packets are in the counts but in no journey.
 */
export function undecodedCaptures(res: CorrelationResult): string[] {
  return res.captures
    .filter((c) => c.packets > 0 && !decodedLinkType(c.linkType))
    .map(
      (c) =>
        `${c.node}/${c.iface}: link type ${c.linkType} is not decoded (Ethernet, raw IP and Linux cooked are): ` +
        `its ${c.packets} packets are in no journey`,
    );
}

/** Nanoseconds in a double are exact up to 2^53: ~104 days from the first packet's second. */
const EXACT_SPAN_NS = 2 ** 53;

/**
 * A warning when the captures span more than ~104 days (a node whose clock was never set, in 1970): times that
 * far from the first packet lose nanoseconds, in the JSON, the CSV and a pcapng export.
 */
export function spanWarning(res: CorrelationResult): string | null {
  // The rows' earliest and latest times, kept as they were read (a loop over a million rows' times here took
  // ~5 ms of every command, cold), and the base second's 0 between them.
  const lo = Math.min(0, res.timeSpan.lo);
  const hi = Math.max(0, res.timeSpan.hi);
  if (hi - lo < EXACT_SPAN_NS && hi < EXACT_SPAN_NS && -lo < EXACT_SPAN_NS) return null;
  const days = Math.round((hi - lo) / 86_400e9);
  return (
    `the captures span ${days} days (a node's clock never set?): times past ~104 days from the first packet ` +
    'lose nanoseconds; shift such a capture first (editcap -t) or leave it out'
  );
}

/**
 * Lanes of one name from different places: two files' pcapng interfaces both named node-1/cni0 (an export
 * beside the captures it was made from, read again with them), or a merged pcapng whose nodes both had an eth0.
 * Files labelled alike are refused (inputs.ts); lanes are named only as the files are read.
 */
export function sameLaneWarnings(res: CorrelationResult): string[] {
  const byName = new Map<string, string[]>();
  for (const c of res.captures) {
    const name = `${c.node}/${c.iface}`;
    const where = `${c.path ? basename(c.path) : '?'}${c.interfaceId ? ` interface ${c.interfaceId}` : ''}`;
    byName.set(name, [...(byName.get(name) ?? []), where]);
  }
  const twice = [...byName].filter(([, from]) => from.length > 1);
  if (!twice.length) return [];
  const shown = twice.slice(0, 3).map(([name, from]) => `${name} (${from.join(', ')})`);
  if (twice.length > 3) shown.push(`${twice.length - 3} more`);
  return [
    `lanes of one name: ${shown.join('; ')}. If they are the same interface, its packets are counted twice ` +
      '(an export read again with its captures?): leave one out, or label the files (NODE:IFACE=FILE)',
  ];
}

/**
 * `tcpdump -i any` lanes whose packets' interfaces have no name (ingestFiles.ts laneKeyOf): a whole capture of a
 * node whose interfaces are unknown (no `<node>.ip-link.json` beside it, no session.json), one `any` lane; or the
 * packets on an interface index the node's list lacks (an interface made after it was read), `any#N`. A filter's
 * interface names and globs, and `ip broadcast`'s subnets, cannot say which interface those packets were seen on.
 */
export function anyLaneWarnings(res: CorrelationResult): string[] {
  const named = new Set(res.interfaces.map((i) => `${i.node}/${i.name}`));
  const listed = new Set(res.interfaces.filter((i) => i.ifindex !== undefined).map((i) => i.node));
  const whole: string[] = [];
  const some: string[] = [];
  for (const c of res.captures) {
    const lane = `${c.node}/${c.iface}`;
    if (c.linkType !== LINKTYPE_LINUX_SLL2 || c.packets === 0 || named.has(lane)) continue;
    (listed.has(c.node) ? some : whole).push(lane);
  }
  const out: string[] = [];
  if (whole.length)
    out.push(
      `${whole.join(', ')}: tcpdump -i any, read as one lane as its node's interfaces are not known (no ` +
        '<node>.ip-link.json beside the file, nor a session folder): which interface each packet was seen on is not ' +
        "known, so a filter's interface names and globs (cni0, veth*) and ip broadcast's subnets do not see it, and " +
        "a packet's copies on a bridge and its ports are taken for duplicates",
    );
  if (some.length)
    out.push(
      `${some.join(', ')}: packets of tcpdump -i any on an interface its node's interface list lacks (made after ` +
        "the list was read?): a filter's interface names and globs and ip broadcast's subnets see that lane's name only",
    );
  return out;
}

/**
 * What a correlation's result should warn of: undecoded link types, a span losing nanoseconds, lane names,
 * `-i any` lanes not split into interfaces, a manual clock offset the traffic contradicts.
 */
export function resultWarnings(res: CorrelationResult): string[] {
  const span = spanWarning(res);
  return [
    ...undecodedCaptures(res),
    ...(span ? [span] : []),
    ...sameLaneWarnings(res),
    ...anyLaneWarnings(res),
    ...manualClockWarnings(res.clocks),
  ];
}
