// `hopscope correlate`: offline correlation of capture files or session folders into journeys.

import { journeyStops } from '../correlate/stops.ts';
import { HopscopeError } from '../common/errors.ts';
import { FrameSource } from '../session/frames.ts';
import { anyUnreadable, correlateInputs, resultWarnings } from '../session/ingest.ts';
import { loadInputs } from '../session/inputs.ts';
import { problemText } from '../pcap/types.ts';
import { writeJourneysJson } from '../export/journeysJson.ts';
import { clockLine, LadderWriter, rangeLine, timesLine } from '../export/ladder.ts';
import { TextBytes } from '../export/textBytes.ts';
import { Sink } from '../export/sink.ts';
import { flagSet, flagValue, flagValues, minHopsArg, parseArgs } from './args.ts';
import { checkClockNodes, parseClockArgs } from './clockArgs.ts';
import type { Command } from './command.ts';
import { filterArg, journeysMatching, noMatchText } from './journeyFilterArg.ts';
import { cliProgress } from './progress.ts';
import { checkRangeArgs, outsideText, rangeArg, rangeFlags, rangeHelp } from './timeRangeArg.ts';

const help = `usage: hopscope correlate [--json] [--summary] [--clock auto|none|NODE=OFFSET]…
                          [--after TIME] [--before TIME] FILES|SESSION…

Recognises the same packet at every interface and node it was seen on and prints each journey as a hop
ladder: node/interface, clock-corrected time, latency since the previous hop, TTL, MACs (with their owners),
encapsulation, and what changed ([mac ttl encap+vxlan encap-vxlan encap+ipip encap-ipip encap+geneve
encap-geneve encap+wireguard encap-wireguard nat-dst nat-src split merged]).
A packet WireGuard encrypted between nodes (UDP 51820/51871) is one journey through its clear and its encrypted
hops ([encap+wireguard] … [encap-wireguard]); an encrypted hop shows the tunnel's datagram and which message it
was (wireguard receiver 0x… counter N, packet encrypted).
Copies of one broadcast or multicast frame fan out: a copy is timed from the first copy on its node or from
its sender's ([since hop N]), or, received by another node in parallel, not at all (‖ … [parallel copy]).
A TCP segment cut on the way (TSO/GSO) has its pieces as hops timed from it ([split] … [since hop N]), each
with the segment's bytes it carries ([bytes 1398:2796 of 6990]); a segment GRO merged again is [merged].
A journey that stopped is said so under its last hop (✗ not seen after node-2/flannel.1, though node-2/cni0
was capturing), with what says so: the other packets of its conversation that went on, its destination pod's
captured veth, an ICMP error in its flow. Only where the captures that would have seen it were running.

Inputs: pcap/pcapng files named <node>__<iface>.pcap(ng), NODE:IFACE=FILE for any file, pcapng files whose
interfaces are named node/iface (hopscope exports), or session folders (session.json + captures). Files
beside <node>.ip-link.json/.ip-addr.json get MAC owners from them.

Options:
  --json               print the hopscope.journeys/1 document (docs/journeys-json.md)
  --summary            print only counts: captures, packets, journeys, flows, clocks, then the
                       journeys said stopped ("stopped N")
  --clock auto         estimate clock offsets from the traffic (and session probes) (default)
  --clock none         do not correct clocks
  --clock NODE=OFFSET  set NODE's offset to the reference node (e.g. node-2=-1.5ms; s, ms, us, ns)
  --reference NODE     offsets are relative to NODE's clock (default: the first node)
  --min-hops N         only journeys with at least N hops (ladder and JSON)
  --filter EXPR        only journeys EXPR matches, in tcpdump's language read over the journey: a primitive
                       holds when some hop has it, so 'a and b' may hold at two hops (across a NAT). For
                       example 'icmp and host 10.244.1.34', 'tcp port 80 or vxlan', 'node-2/cni0', 'cali*',
                       'vlan 10', 'not arp' (the app's journey filter, docs/architecture.md); the JSON's
                       "selection" names them. A blank EXPR keeps everything, as tcpdump's empty filter does
${rangeHelp(23)}
  --pretty             indent the JSON
  --progress           report progress on stderr, a line per update (on a terminal it shows by itself
                       once a run takes more than a second)

Environment:
  HOPSCOPE_MAX_PACKETS  stop with TOO_MANY_PACKETS past this many packets (default: as many as half of the
                        memory holds, ~180 bytes a packet)
`;

const command: Command = {
  name: 'correlate',
  summary: 'correlate captures (files or session folders) into per-packet journeys across nodes',
  help,
  async run(argv) {
    const p = parseArgs(argv, {
      json: {},
      summary: {},
      pretty: {},
      clock: { value: true, repeat: true },
      reference: { value: true },
      'min-hops': { value: true },
      filter: { value: true },
      progress: {},
      ...rangeFlags,
    });
    if (p.positional.length === 0)
      throw new HopscopeError('USAGE', 'no capture files or session folders given');
    const clock = parseClockArgs(flagValues(p, 'clock'), flagValue(p, 'reference'));
    if (flagSet(p, 'json') && flagSet(p, 'summary'))
      throw new HopscopeError('USAGE', 'give one of --json and --summary');
    const minHops = minHopsArg(flagValue(p, 'min-hops'));
    // Options that would do nothing here are refused rather than ignored.
    if (flagSet(p, 'pretty') && !flagSet(p, 'json'))
      throw new HopscopeError('USAGE', '--pretty goes with --json');
    if (flagSet(p, 'summary') && flagValue(p, 'min-hops') !== undefined)
      throw new HopscopeError(
        'USAGE',
        '--summary counts every journey: --min-hops goes with the ladder or --json',
      );
    const filterFlag = flagValue(p, 'filter');
    if (flagSet(p, 'summary') && filterFlag !== undefined)
      throw new HopscopeError(
        'USAGE',
        '--summary counts every journey: --filter goes with the ladder or --json',
      );
    // A filter that cannot be read fails before any file is read.
    const filter = filterArg(filterFlag);
    checkRangeArgs(p);
    const inputs = loadInputs(p.positional);
    if (!inputs.ok) throw new HopscopeError(inputs.error.code, inputs.error.message);
    for (const w of inputs.value.warnings) console.error(`hopscope correlate: warning: ${w}`);
    const range = rangeArg(p, inputs.value.files);
    const progress = cliProgress('hopscope correlate', flagSet(p, 'progress'));
    let correlated;
    try {
      correlated = correlateInputs(inputs.value, { clock, onProgress: progress.onProgress, range });
    } finally {
      progress.end(); // before any error or result is printed
    }
    const { result: res, problems } = correlated;
    if (range) console.error(`hopscope correlate: ${outsideText(correlated.outside)}`);
    checkClockNodes(clock, res.nodes);
    for (const pr of problems) console.error(`hopscope correlate: ${pr.path}: ${problemText(pr.problem)}`);
    for (const w of resultWarnings(res)) console.error(`hopscope correlate: warning: ${w}`);
    const out = Sink.stdout();
    // Frames back what the columns do not hold (IPv6 addresses and summaries), read only for what is printed.
    const frames = new FrameSource(res);
    const match = filter !== undefined ? journeysMatching(correlated, filter) : undefined;
    const chosen = match?.journeys;
    if (match && match.journeys.length === 0)
      console.error(`hopscope correlate: ${noMatchText(filter!, match)}`);
    if (flagSet(p, 'summary')) {
      out.write(
        [
          `captures ${res.captures.length}`,
          `packets ${res.rowCount}`,
          `journeys ${res.journeyCount}`,
          `flows ${res.flowCount}`,
          `clocks ${res.clocks.length}`,
          ...res.clocks.map(clockLine),
          ...(res.range ? [rangeLine(res)!] : []),
          // Last, so the lines before keep their places for scripts that read them.
          `stopped ${journeyStops(res).count}`,
        ].join('\n') + '\n',
      );
    } else if (flagSet(p, 'json')) {
      writeJourneysJson(res, out, { minHops, pretty: flagSet(p, 'pretty'), journeys: chosen, filter });
    } else {
      for (const c of res.clocks) out.write(clockLine(c) + '\n');
      if (res.rowCount > 0) out.write(timesLine(res) + '\n'); // (no packet: no date, not 1970's)
      if (res.range) out.write(rangeLine(res) + '\n');
      const bytes = new TextBytes(out);
      const ladder = new LadderWriter(bytes, res);
      const n = chosen ? chosen.length : res.journeyCount;
      for (let i = 0; i < n; i++) {
        const k = chosen ? chosen[i] : i;
        const list = res.journeyRows(k);
        if (minHops <= 1 || list.length >= minHops) ladder.journey(k, list);
      }
      bytes.done();
    }
    out.close();
    frames.close();
    // A file from which nothing could be read fails the command (scripts can tell "no packets" apart).
    return anyUnreadable(problems) ? 1 : 0;
  },
};

export default command;
