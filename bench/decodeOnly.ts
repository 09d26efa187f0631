// In-process decode throughput: the streaming reader plus decodeFields() over a whole file, on one core, with
// the file in the page cache. Prints one JSON line; bench/run.ts runs it as a child process.
//
//   node bin/run-ts.mjs bench/decodeOnly.ts FILE [--mode read|decode] [--passes N] [--via-data]

type Fields = import('../main/decode/fields.ts').PacketFields;
interface DecodeModule {
  decodeFields: (frame: Uint8Array, linkType: number, out: Fields) => void;
  /** The zero-view path on the reader's record (buf, dataOffset, caplen), when the decoder has it. */
  decodeRecord?: (
    rec: { buf: Uint8Array; dataOffset: number; caplen: number; linkType: number },
    out: Fields,
  ) => void;
}

type Rec = { data: Uint8Array; linkType: number; buf?: Uint8Array; dataOffset?: number; caplen?: number };

interface PassResult {
  seconds: number;
  /** CPU seconds (user+sys, all threads) the pass used: robust when other work shares the machine. */
  cpuSeconds: number;
  packets: number;
  pps: number;
  /** Packets per CPU second. */
  cpuPps: number;
}

interface DecodeOnlyReport {
  mode: 'read' | 'decode';
  /** Which decoder entry point ran: decodeRecord (no view per packet) or decodeFields(rec.data). */
  api: string;
  file: string;
  passes: PassResult[];
  /** Counts from the last pass, so the caller can check the decoder really decoded. */
  ipv4: number;
  vxlan: number;
  ipip: number;
  problems: number;
  error?: string;
}

async function main(argv: string[]): Promise<void> {
  const file = argv[0];
  const mode = argv.includes('--mode') ? (argv[argv.indexOf('--mode') + 1] as 'read' | 'decode') : 'decode';
  const passes = argv.includes('--passes') ? Number(argv[argv.indexOf('--passes') + 1]) : 5;
  const report: DecodeOnlyReport = {
    mode,
    api: '',
    file,
    passes: [],
    ipv4: 0,
    vxlan: 0,
    ipip: 0,
    problems: 0,
  };
  let pcap: typeof import('../main/pcap/index.ts');
  // The decoder lands in parallel with this harness; a missing module is reported, not crashed on.
  let decode = null as DecodeModule | null;
  let fieldsMod: typeof import('../main/decode/fields.ts');
  try {
    pcap = await import('../main/pcap/index.ts');
    fieldsMod = await import('../main/decode/fields.ts');
    if (mode === 'decode') decode = (await import(`../main/decode/${'index.ts'}`)) as DecodeModule;
  } catch (e) {
    report.error = `pipeline module missing: ${(e as Error).message.split('\n')[0]}`;
    console.log(JSON.stringify(report));
    return;
  }
  const { ENCAP_IPIP, ENCAP_VXLAN, STATUS_OK, createPacketFields } = fieldsMod;
  const out = createPacketFields();
  for (let p = 0; p < passes; p++) {
    let ipv4 = 0;
    let vxlan = 0;
    let ipip = 0;
    let problems = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const dec = decode;
    const viaRecord = !!dec?.decodeRecord && !argv.includes('--via-data');
    report.api = !dec ? 'none' : viaRecord ? 'decodeRecord' : 'decodeFields(rec.data)';
    const count = () => {
      if (out.ipVersion === 4) ipv4++;
      if (out.encapCount > 0) {
        if (out.encapType[0] === ENCAP_VXLAN) vxlan++;
        else if (out.encapType[0] === ENCAP_IPIP) ipip++;
      }
      if (out.status !== STATUS_OK) problems++;
    };
    const onRecord = !dec
      ? () => {}
      : viaRecord
        ? (rec: Rec) => {
            dec.decodeRecord!(rec as Required<Rec>, out);
            count();
          }
        : (rec: Rec) => {
            dec.decodeFields(rec.data, rec.linkType, out);
            count();
          };
    const r = pcap.readCaptureFileSync(file, onRecord);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cpuSeconds = (c.user + c.system) / 1e6;
    if (!r.ok) {
      report.error = `${r.error.code}: ${r.error.message}`;
      break;
    }
    const packets = r.value.records;
    report.passes.push({
      seconds,
      cpuSeconds,
      packets,
      pps: packets / seconds,
      cpuPps: packets / cpuSeconds,
    });
    Object.assign(report, { ipv4, vxlan, ipip, problems });
  }
  console.log(JSON.stringify(report));
}

await main(process.argv.slice(2));

export {};
