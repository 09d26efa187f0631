// `lab traffic`: runs a scenario's pings (from inside a pod namespace) and curls (from the outside client) and
// reports what each did, so tests and fixture recording share one definition of "the scenario's traffic".

import { runIn } from './exec.ts';
import type { ScenarioDef, TrafficDef } from './scenarios.ts';
import { host, podNs } from './topology.ts';

export interface TrafficResult {
  label: string;
  command: string;
  ok: boolean;
  /** Ping: "3/3 replies"; curl: the answering pods in order. */
  detail: string;
  answers: string[];
}

const PING_INTERVAL = '0.2';

async function runOne(t: TrafficDef): Promise<TrafficResult> {
  if (t.kind === 'ping') {
    const argv = ['ping', '-n', '-c', String(t.count), '-i', PING_INTERVAL, '-W', '2', t.to];
    const ns = podNs(t.fromPod);
    const r = await runIn(ns, argv, { allowFail: true, timeoutMs: 15_000 });
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    const got = m ? Number(m[2]) : 0;
    return {
      label: t.label,
      command: `[${ns}] ${argv.join(' ')}`,
      ok: got === t.count,
      detail: `${got}/${t.count} replies`,
      answers: [],
    };
  }
  const ns = t.fromPod ? podNs(t.fromPod) : host(t.from).ns;
  const body = t.bodyBytes ? 'x'.repeat(t.bodyBytes) : null;
  // `Expect:` off: curl would otherwise ask for a 100 Continue before sending a body over 1 KiB.
  const post = body === null ? [] : ['-H', 'Expect:', '--data-binary', body];
  const argv = ['curl', '-sS', '--max-time', '3', ...post, t.url];
  const shown = argv.map((a) => (a === body ? `<${a.length} bytes>` : a));
  const answers: string[] = [];
  let failure = '';
  for (let i = 0; i < t.repeat; i++) {
    const r = await runIn(ns, argv, { allowFail: true, timeoutMs: 10_000 });
    if (r.code !== 0) failure ||= r.stderr.trim() || `curl exit ${r.code}`;
    answers.push(r.code === 0 ? r.stdout.trim() : `<error: ${r.stderr.trim()}>`);
  }
  const fromExpected = answers.every((a) => t.expect.includes(a));
  const same = !t.sameEachTime || new Set(answers).size === 1;
  return {
    label: t.label,
    command: `[${ns}] ${shown.join(' ')}${t.repeat > 1 ? ` (×${t.repeat})` : ''}`,
    ok: !failure && fromExpected && same,
    detail: failure || `${answers.join(', ')}${!same ? ' (expected the same pod every time)' : ''}`,
    answers,
  };
}

export async function runTraffic(
  s: ScenarioDef,
  log: (l: string) => void = () => undefined,
): Promise<TrafficResult[]> {
  const out: TrafficResult[] = [];
  for (const t of s.traffic) {
    const r = await runOne(t);
    log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.label}\n     ${r.command}\n     → ${r.detail}`);
    out.push(r);
  }
  return out;
}
