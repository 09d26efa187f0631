// The lab pods' tiny HTTP responder: answers every request with the pod's name (like the walkthrough's
// echoserver/hostname images). Plain JavaScript so `node` runs it inside a pod namespace without tsx.
// usage: node podHttp.mjs POD_NAME PORT [PORT...]
import { createServer } from 'node:http';

const [name, ...ports] = process.argv.slice(2);
if (!name || ports.length === 0) {
  console.error('usage: podHttp.mjs POD_NAME PORT [PORT...]');
  process.exit(2);
}
const body = `${name}\n`;
for (const p of ports) {
  createServer((req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
  }).listen(Number(p), '0.0.0.0');
}
process.on('SIGTERM', () => process.exit(0));
