// The lab pods' tiny HTTP responder: answers every request with the pod's name (like the walkthrough's
// echoserver/hostname images). Kept as source text run by `node -e` (or Electron with ELECTRON_RUN_AS_NODE), so
// it works the same from the CLI, the tests and a bundled app, with no file path to resolve.

/** Marker that identifies the responder on a command line (`lab down` checks, tests). */
export const POD_HTTP_MARKER = 'hopscope-lab pod responder';

export const POD_HTTP_SOURCE = `/* ${POD_HTTP_MARKER} */
const { createServer } = require('node:http');
const [name, ...ports] = process.argv.slice(1);
const body = name + '\\n';
for (const p of ports) {
  createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  }).listen(Number(p), '0.0.0.0');
}
process.on('SIGTERM', () => process.exit(0));
`;

/** argv for one pod's responder: `node -e SOURCE POD_NAME PORT...`. */
export function podHttpArgv(nodeBin: string, podName: string, ports: number[]): string[] {
  return [nodeBin, '-e', POD_HTTP_SOURCE, podName, ...ports.map(String)];
}
