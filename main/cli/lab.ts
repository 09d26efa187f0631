// `hopscope lab up|down|status|traffic|fixtures|plan`: the local walkthrough lab (root, Linux).

import { existsSync } from 'node:fs';

import { HopscopeError } from '../common/errors.ts';
import { flagSet, parseArgs } from './args.ts';
import type { Command } from './command.ts';

const help = `usage: hopscope lab up SCENARIO          build SCENARIO (removes any lab first); prints the ssh_config path
       hopscope lab down                 remove every namespace, link and process of the lab
       hopscope lab status [--json]      namespaces, links and daemons of the lab
       hopscope lab traffic [SCENARIO]   run the scenario's pings/curls and print the results
       hopscope lab fixtures [--any] SCENARIO OUTDIR
                                         up, record every interface of the nodes during the traffic, down
                                         (--any: one \`tcpdump -i any\` per node instead: Linux cooked v2)
       hopscope lab plan SCENARIO        print the commands \`up\` would run (no root needed)

Scenarios: kubenet, kube-proxy, flannel-hostgw, flannel-vxlan, calico-bgp, calico-ipip, antrea-geneve,
           calico-wireguard.
Nodes: node-1 10.1.10.9, node-2 10.1.10.10 (ens33 on bridge hs-br0, host 10.1.10.1), client 10.1.10.8.
After \`up\`: ssh -F /run/hopscope-lab/ssh_config node-1 ip -br link
Users on the nodes: root (key), hsnopass (sudo without password), hspass (sudo with the password in
/run/hopscope-lab/users.json). The lab state folder is /run/hopscope-lab (HOPSCOPE_LAB_DIR overrides).
Anything running \`lab\` should hold the lab lock: flock /tmp/hopscope-lab.lock npx hopscope lab …`;

export function parseLabArgs(argv: string[]): {
  verb: string;
  scenario?: string;
  outDir?: string;
  json: boolean;
  any: boolean;
} {
  const p = parseArgs(argv, { json: {}, any: {} });
  const [verb, ...rest] = p.positional;
  const verbs: Record<string, [number, number]> = {
    up: [1, 1],
    down: [0, 0],
    status: [0, 0],
    traffic: [0, 1],
    fixtures: [2, 2],
    plan: [1, 1],
  };
  if (!verb || !(verb in verbs))
    throw new HopscopeError('USAGE', `expected one of ${Object.keys(verbs).join('|')}\n\n${help}`);
  const [min, max] = verbs[verb];
  if (rest.length < min || rest.length > max)
    throw new HopscopeError('USAGE', `lab ${verb}: wrong number of arguments\n\n${help}`);
  if (flagSet(p, 'any') && verb !== 'fixtures')
    throw new HopscopeError('USAGE', '--any applies to `lab fixtures` only');
  if (flagSet(p, 'json') && verb !== 'status')
    throw new HopscopeError('USAGE', '--json applies to `lab status` only');
  return { verb, scenario: rest[0], outDir: rest[1], json: flagSet(p, 'json'), any: flagSet(p, 'any') };
}

async function scenarioArg(name: string | undefined) {
  const { isScenarioName, SCENARIO_NAMES } = await import('../lab/scenarios.ts');
  if (name === undefined || !isScenarioName(name)) {
    throw new HopscopeError('USAGE', `unknown scenario '${name ?? ''}'; one of ${SCENARIO_NAMES.join(', ')}`);
  }
  return name;
}

const cmd: Command = {
  name: 'lab',
  summary: 'build the walkthrough topologies locally: up|down|status|traffic SCENARIO (root, Linux)',
  help,
  async run(argv) {
    const a = parseLabArgs(argv);
    const log = (l: string): void => console.log(l);
    const lab = await import('../lab/lab.ts');
    switch (a.verb) {
      case 'plan': {
        const name = await scenarioArg(a.scenario);
        const { buildPlan, planLines } = await import('../lab/plan.ts');
        const { SCENARIOS } = await import('../lab/scenarios.ts');
        const { paths } = await import('../lab/state.ts');
        const plan = buildPlan(SCENARIOS[name], {
          paths: paths(),
          nodeBin: process.execPath,
          physdev: true,
          brNetfilter: existsSync('/proc/sys/net/bridge'),
        });
        for (const l of planLines(plan)) console.log(l);
        return 0;
      }
      case 'up': {
        const name = await scenarioArg(a.scenario);
        try {
          const r = await lab.labUp(name, log);
          console.log(
            `lab ${name} is up (${(r.ms / 1000).toFixed(1)} s). Users: root, ${r.users.map((u) => u.name).join(', ')}.`,
          );
          console.log(`ssh -F ${r.sshConfig} node-1`);
          console.log(r.sshConfig);
          return 0;
        } catch (e) {
          console.error(
            'lab up failed; the half-built lab is left for inspection (`lab status`); `lab down` removes it',
          );
          throw e;
        }
      }
      case 'down': {
        await lab.labDown(log);
        console.log('lab is down');
        return 0;
      }
      case 'status': {
        const s = await lab.labStatus();
        if (a.json) {
          console.log(JSON.stringify(s, null, 2));
          return 0;
        }
        console.log(`lab: ${s.phase}${s.scenario ? ` (${s.scenario})` : ''}`);
        if (s.sshConfig) console.log(`ssh_config: ${s.sshConfig}`);
        if (s.rootLinks.length) console.log(`root links: ${s.rootLinks.join(' ')}`);
        for (const ns of s.namespaces) {
          console.log(`namespace ${ns}`);
          for (const l of s.links[ns] ?? []) console.log(`  ${l}`);
        }
        for (const d of s.daemons)
          console.log(`daemon ${d.label} pid ${d.pid} in ${d.ns}: ${d.alive ? 'running' : 'NOT RUNNING'}`);
        return s.phase === 'down' || (s.phase === 'up' && s.daemons.every((d) => d.alive)) ? 0 : 1;
      }
      case 'traffic': {
        const { readState, paths } = await import('../lab/state.ts');
        const st = readState(paths());
        if (!st || st.phase !== 'up')
          throw new HopscopeError('LAB_FAILED', 'the lab is not up (hopscope lab up SCENARIO)');
        const name = a.scenario === undefined ? st.scenario : await scenarioArg(a.scenario);
        if (name !== st.scenario)
          throw new HopscopeError('USAGE', `the lab is up with ${st.scenario}, not ${name}`);
        const { runTraffic } = await import('../lab/traffic.ts');
        const { SCENARIOS } = await import('../lab/scenarios.ts');
        const results = await runTraffic(SCENARIOS[name], log);
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'fixtures': {
        const name = await scenarioArg(a.scenario);
        const { recordFixtures } = await import('../lab/fixtures.ts');
        await recordFixtures(name, a.outDir as string, log, { any: a.any });
        return 0;
      }
    }
    return 2;
  },
};

export default cmd;
