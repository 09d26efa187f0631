// Anchor: pcap-parser (the npm package) walking a microsecond pcap, counting packets. Plain JS, no tsx.
import pcapParser from 'pcap-parser';

let packets = 0;
const parser = pcapParser.parse(process.argv[2]);
parser.on('packet', () => packets++);
parser.on('end', () => console.log(JSON.stringify({ packets })));
parser.on('error', (e) => {
  console.error(String(e));
  process.exitCode = 1;
});
