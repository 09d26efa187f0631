// kube-proxy's (iptables mode) and the kubelet hostport plugin's nat rules for node-1, as iptables-restore
// input, in the walkthrough's chain shape: KUBE-SERVICES → KUBE-SVC-… (statistic random, recent) → KUBE-SEP-…
// DNAT, KUBE-NODEPORTS, KUBE-HOSTPORTS → KUBE-HP-…, KUBE-MARK-MASQ and KUBE-POSTROUTING MASQUERADE.

import { CLUSTER_CIDR, type HostPortDef, type ServiceDef } from './scenarios.ts';

const MASQ_MARK = '0x4000';
/** kube-proxy's affinity timeout default (3 hours), as in the walkthrough's `recent: CHECK seconds: 10800`. */
const AFFINITY_SECONDS = 10800;

/** iptables-restore quoting: comments with spaces go in double quotes (no shell involved). */
function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', /\s/.test(text) ? `"${text}"` : text];
}

function line(parts: string[]): string {
  return parts.join(' ');
}

export interface RuleOptions {
  /** The ExternalIP rule's `-m physdev ! --physdev-is-in` needs xt_physdev (br_netfilter); optional. */
  physdev: boolean;
}

export function kubeProxyRules(services: ServiceDef[], hostPorts: HostPortDef[], opts: RuleOptions): string {
  const chains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'KUBE-HOSTPORTS'];
  const rules: string[][] = [];
  const add = (...parts: string[]): void => void rules.push(parts);

  add('-A', 'PREROUTING', ...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES');
  add('-A', 'OUTPUT', ...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES');
  add(
    '-A',
    'PREROUTING',
    ...comment('kube hostport portals'),
    '-m',
    'addrtype',
    '--dst-type',
    'LOCAL',
    '-j',
    'KUBE-HOSTPORTS',
  );
  add(
    '-A',
    'OUTPUT',
    ...comment('kube hostport portals'),
    '-m',
    'addrtype',
    '--dst-type',
    'LOCAL',
    '-j',
    'KUBE-HOSTPORTS',
  );
  add('-A', 'POSTROUTING', ...comment('kubernetes postrouting rules'), '-j', 'KUBE-POSTROUTING');

  add('-A', 'KUBE-MARK-MASQ', '-j', 'MARK', '--set-xmark', `${MASQ_MARK}/${MASQ_MARK}`);
  add('-A', 'KUBE-POSTROUTING', '-m', 'mark', '!', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'RETURN');
  add('-A', 'KUBE-POSTROUTING', '-j', 'MARK', '--set-xmark', `${MASQ_MARK}/0x0`);
  add(
    '-A',
    'KUBE-POSTROUTING',
    ...comment('kubernetes service traffic requiring SNAT'),
    '-j',
    'MASQUERADE',
    '--random-fully',
  );

  for (const s of services) {
    chains.push(s.svcChain, ...s.endpoints.map((e) => e.sepChain));
    const dport = ['-p', 'tcp', '-m', 'tcp', '--dport', String(s.port)];
    const d = ['-d', `${s.clusterIp}/32`];
    add(
      '-A',
      'KUBE-SERVICES',
      '!',
      '-s',
      CLUSTER_CIDR,
      ...d,
      ...comment(`${s.name} cluster IP`),
      ...dport,
      '-j',
      'KUBE-MARK-MASQ',
    );
    add('-A', 'KUBE-SERVICES', ...d, ...comment(`${s.name} cluster IP`), ...dport, '-j', s.svcChain);
    if (s.externalIp) {
      const ed = ['-d', `${s.externalIp}/32`];
      const c = comment(`${s.name} external IP`);
      add('-A', 'KUBE-SERVICES', ...ed, ...c, ...dport, '-j', 'KUBE-MARK-MASQ');
      const physdev = opts.physdev ? ['-m', 'physdev', '!', '--physdev-is-in'] : [];
      add(
        '-A',
        'KUBE-SERVICES',
        ...ed,
        ...c,
        ...dport,
        ...physdev,
        '-m',
        'addrtype',
        '!',
        '--src-type',
        'LOCAL',
        '-j',
        s.svcChain,
      );
      add(
        '-A',
        'KUBE-SERVICES',
        ...ed,
        ...c,
        ...dport,
        '-m',
        'addrtype',
        '--dst-type',
        'LOCAL',
        '-j',
        s.svcChain,
      );
    }
    if (s.nodePort !== undefined) {
      const np = ['-p', 'tcp', ...comment(s.name), '-m', 'tcp', '--dport', String(s.nodePort)];
      add('-A', 'KUBE-NODEPORTS', ...np, '-j', 'KUBE-MARK-MASQ');
      add('-A', 'KUBE-NODEPORTS', ...np, '-j', s.svcChain);
    }
    const n = s.endpoints.length;
    if (s.clientIpAffinity) {
      for (const e of s.endpoints) {
        add(
          '-A',
          s.svcChain,
          ...comment(s.name),
          '-m',
          'recent',
          '--rcheck',
          '--seconds',
          String(AFFINITY_SECONDS),
          '--reap',
          '--name',
          e.sepChain,
          '--mask',
          '255.255.255.255',
          '--rsource',
          '-j',
          e.sepChain,
        );
      }
    }
    s.endpoints.forEach((e, i) => {
      // kube-proxy's even spread: rule i matches 1/(n-i) of what reaches it; the last one takes the rest.
      const stat =
        i < n - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', (1 / (n - i)).toFixed(11)] : [];
      add('-A', s.svcChain, ...comment(s.name), ...stat, '-j', e.sepChain);
      add('-A', e.sepChain, '-s', `${e.ip}/32`, ...comment(s.name), '-j', 'KUBE-MARK-MASQ');
      const recent = s.clientIpAffinity
        ? ['-m', 'recent', '--set', '--name', e.sepChain, '--mask', '255.255.255.255', '--rsource']
        : [];
      add(
        '-A',
        e.sepChain,
        '-p',
        'tcp',
        ...comment(s.name),
        ...recent,
        '-m',
        'tcp',
        '-j',
        'DNAT',
        '--to-destination',
        `${e.ip}:${s.targetPort}`,
      );
    });
  }
  add(
    '-A',
    'KUBE-SERVICES',
    ...comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
    '-m',
    'addrtype',
    '--dst-type',
    'LOCAL',
    '-j',
    'KUBE-NODEPORTS',
  );

  for (const h of hostPorts) {
    chains.push(h.chain);
    const c = comment(`${h.name} hostport ${h.hostPort}`);
    add('-A', 'KUBE-HOSTPORTS', '-p', 'tcp', ...c, '-m', 'tcp', '--dport', String(h.hostPort), '-j', h.chain);
    add('-A', h.chain, '-s', `${h.podIp}/32`, ...c, '-j', 'KUBE-MARK-MASQ');
    add(
      '-A',
      h.chain,
      '-p',
      'tcp',
      ...c,
      '-m',
      'tcp',
      '-j',
      'DNAT',
      '--to-destination',
      `${h.podIp}:${h.podPort}`,
    );
  }

  return ['*nat', ...chains.map((c) => `:${c} - [0:0]`), ...rules.map(line), 'COMMIT', ''].join('\n');
}
