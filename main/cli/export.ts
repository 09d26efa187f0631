// `hopscope export`: captures or a session → merged pcapng, hopscope.journeys/1 JSON, or CSV.

import { join } from 'node:path';

import { HopscopeError, type ErrorCode } from '../common/errors.ts';
import { anyUnreadable, correlateInputs, resultWarnings } from '../session/ingest.ts';
import { loadInputs } from '../session/inputs.ts';
import { problemText } from '../pcap/types.ts';
import { FrameSource } from '../session/frames.ts';
import { BatchSink } from '../export/epbBatch.ts';
import { exportPcapng } from '../export/exportPcapng.ts';
import { writeJourneysJson } from '../export/journeysJson.ts';
import { writeCsv } from '../export/csv.ts';
import { pcapngRows } from '../app/exporter.ts';
import { refuseInputAsOutput, Sink } from '../export/sink.ts';
import { SESSION_FILE } from '../capture/sessionFolder.ts';
import { flagSet, flagValue, flagValues, minHopsArg, parseArgs } from './args.ts';
import { checkClockNodes, parseClockArgs } from './clockArgs.ts';
import type { Command } from './command.ts';
import { filterArg, journeysMatching, noMatchText } from './journeyFilterArg.ts';
import { cliProgress } from './progress.ts';
import { checkRangeArgs, outsideText, rangeArg, rangeFlags, rangeHelp } from './timeRangeArg.ts';

const help = `usage: hopscope export (--pcapng OUT | --json OUT | --csv OUT) [--corrected-time]
                       [--clock auto|none|NODE=OFFSET]… [--after TIME] [--before TIME] FILES|SESSION…

Correlates the inputs (as \`hopscope correlate\`) and writes:
  --pcapng OUT      one merged pcapng: an interface per node/interface (if_name "node-1/ens33",
                    if_description, if_MACaddr, nanosecond resolution), every frame in time order with
                    epb_packetid = journey id and a comment naming the journey hop and its changes
  --json OUT        the hopscope.journeys/1 document (docs/journeys-json.md)
  --csv OUT         one row per hop
OUT may be - for standard output. It may not be one of the inputs (nor a session's session.json); when no
input gives a packet, nothing is written and an existing OUT stays as it was.

Options:
  --corrected-time  pcapng: write clock-corrected timestamps (each node's offset removed)
  --clock …         as for correlate (auto, none, NODE=OFFSET)
  --reference NODE  offsets are relative to NODE's clock (default: the first node)
  --min-hops N      JSON/CSV: only journeys with at least N hops
  --pretty          JSON: indented
  --filter EXPR     only journeys EXPR matches, in tcpdump's language over their hops (as for correlate):
                    JSON/CSV their hops, pcapng their frames (with nothing else); no match:
                    nothing written, exit 1. A blank EXPR is no filter (everything, as in tcpdump)
${rangeHelp(20)}
  --progress        report progress on stderr, a line per update (on a terminal it shows by itself once a
                    run takes more than a second)

Environment:
  HOPSCOPE_MAX_PACKETS  stop with TOO_MANY_PACKETS past this many packets (default: as many as half of the
                        memory holds, ~180 bytes a packet)
`;

const command: Command = {
  name: 'export',
  summary: 'export captures or a session as merged pcapng, hopscope.journeys/1 JSON or CSV',
  help,
  async run(argv) {
    const p = parseArgs(argv, {
      pcapng: { value: true },
      json: { value: true },
      csv: { value: true },
      'corrected-time': {},
      clock: { value: true, repeat: true },
      reference: { value: true },
      'min-hops': { value: true },
      pretty: {},
      filter: { value: true },
      progress: {},
      ...rangeFlags,
    });
    const targets = (['pcapng', 'json', 'csv'] as const).filter((f) => flagValue(p, f) !== undefined);
    if (targets.length !== 1)
      throw new HopscopeError('USAGE', 'give exactly one of --pcapng, --json, --csv OUT');
    const format = targets[0];
    const out = flagValue(p, format)!;
    if (p.positional.length === 0)
      throw new HopscopeError('USAGE', 'no capture files or session folders given');
    const minHops = minHopsArg(flagValue(p, 'min-hops'));
    // Options that would do nothing with this format are refused rather than ignored.
    if (format === 'pcapng' && flagValue(p, 'min-hops') !== undefined)
      throw new HopscopeError('USAGE', '--min-hops goes with --json or --csv (a pcapng holds every packet)');
    if (format !== 'json' && flagSet(p, 'pretty'))
      throw new HopscopeError('USAGE', '--pretty goes with --json');
    if (format !== 'pcapng' && flagSet(p, 'corrected-time'))
      throw new HopscopeError('USAGE', '--corrected-time goes with --pcapng (JSON and CSV carry both times)');
    const filterFlag = flagValue(p, 'filter');
    // A filter that cannot be read fails before any file is read.
    const filter = filterArg(filterFlag);
    checkRangeArgs(p);
    const clock = parseClockArgs(flagValues(p, 'clock'), flagValue(p, 'reference'));
    if (flagSet(p, 'corrected-time') && clock.mode === 'none')
      throw new HopscopeError('USAGE', '--corrected-time with --clock none would correct nothing');
    // A pcapng on a terminal is noise (and may upset it): gzip and tshark refuse that too.
    if (format === 'pcapng' && out === '-' && process.stdout.isTTY)
      throw new HopscopeError(
        'USAGE',
        'not writing pcapng to a terminal: redirect it (> file, | wireshark -k -i -) or give a file',
      );
    // The pcapng writer thread boots while the inputs are correlated (the second core is idle then); a filtered
    // export writes its journeys' frames through the selection exporter, on this thread, and never needs it.
    const writer = format === 'pcapng' && filter === undefined ? new BatchSink(true) : undefined;
    const progress = cliProgress('hopscope export', flagSet(p, 'progress'));
    try {
      const inputs = loadInputs(p.positional);
      if (!inputs.ok) throw new HopscopeError(inputs.error.code, inputs.error.message);
      for (const w of inputs.value.warnings) console.error(`hopscope export: warning: ${w}`);
      if (out !== '-')
        refuseInputAsOutput(out, [
          ...inputs.value.files.map((f) => f.path),
          ...inputs.value.sessions.map((s) => join(s.dir, SESSION_FILE)),
        ]);
      const range = rangeArg(p, inputs.value.files);
      const correctedTime = flagSet(p, 'corrected-time');
      const correlated = correlateInputs(inputs.value, {
        clock,
        onProgress: progress.onProgress,
        range,
        // The writer thread merges the rows' time order as captured while this one groups and links (exportPcapng
        // takes it then); a clock-corrected order waits for the clocks.
        onRows:
          writer && !correctedTime
            ? (rows, captures) => void writer.orderInThread(rows.t, rows.capture, captures, rows.length)
            : undefined,
        // And walks the journeys' paths for the hop index while this one computes the flows (exportPcapng takes it).
        onLinked: writer ? (res) => void writer.hopsInThread(res) : undefined,
      });
      const { result: res, problems } = correlated;
      progress.end();
      if (range) console.error(`hopscope export: ${outsideText(correlated.outside)}`);
      checkClockNodes(clock, res.nodes);
      for (const pr of problems) console.error(`hopscope export: ${pr.path}: ${problemText(pr.problem)}`);
      for (const w of resultWarnings(res)) console.error(`hopscope export: warning: ${w}`);
      // No packet: say so, and leave OUT as it was (an empty export would replace it).
      if (res.rowCount === 0) {
        const first = problems.find((pr) => anyUnreadable([pr]));
        const notWritten = out === '-' ? 'nothing written' : `${out} not written`;
        throw first
          ? new HopscopeError(
              first.problem.code as ErrorCode,
              `no packets could be read from the inputs; ${notWritten}`,
            )
          : range
            ? new HopscopeError('NO_MATCH', `no packet of the inputs lies in --after/--before; ${notWritten}`)
            : new HopscopeError('SESSION_INVALID', `the inputs hold no packets; ${notWritten}`);
      }
      const match = filter !== undefined ? journeysMatching(correlated, filter) : undefined;
      const chosen = match?.journeys;
      if (match && match.journeys.length === 0)
        throw new HopscopeError(
          'NO_MATCH',
          `${noMatchText(filter!, match)}; ${out === '-' ? 'nothing written' : `${out} not written`}`,
        );
      progress.stage(`writing ${format}…`);
      const sink = out === '-' ? Sink.stdout() : Sink.file(out);
      // Frames back what the columns do not hold (IPv6 addresses and summaries) in comments, JSON and CSV.
      const detail = new FrameSource(res);
      try {
        const n = await sink.fill(async () => {
          // The chosen journeys' frames only (the app's export of a selection: one row at a time).
          if (format === 'pcapng' && chosen) {
            const what = `${chosen.length} journey${chosen.length === 1 ? '' : 's'} matching ${JSON.stringify(filter)}`;
            return pcapngRows(res, sink, { clockCorrected: correctedTime }, chosen, () => undefined, what);
          }
          if (format === 'pcapng') {
            // Interface descriptions and MACs: the files' own, else discovery's (interfaceNotes).
            return exportPcapng(res, sink, { correctedTime, writer });
          }
          if (format === 'json')
            writeJourneysJson(res, sink, { minHops, pretty: flagSet(p, 'pretty'), journeys: chosen, filter });
          else writeCsv(res, sink, minHops, chosen);
          return res.rowCount;
        });
        progress.end();
        // Said once the file has its name (fill renamed it).
        if (format === 'pcapng' && out !== '-')
          console.error(
            `hopscope export: ${n} packets, ${chosen ? `${chosen.length} of ${res.journeyCount}` : res.journeyCount} journeys → ${out}`,
          );
      } finally {
        detail.close();
        progress.end();
      }
      return anyUnreadable(problems) ? 1 : 0;
    } finally {
      progress.end(); // an error is printed after this: not over a progress line
      // Stops the thread when the export never began or failed (after a finished export: nothing to do).
      await writer?.abort();
    }
  },
};

export default command;
