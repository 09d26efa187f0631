// Nodes: add from an ssh_config alias or host/user/port, connect (status per node), and each node's interface
// tree (bridges with their ports, kind badges, MAC, addresses, peer) with check boxes and glob selection.

import { useEffect, useState } from 'react';

import type {
  AuthMethod,
  IfaceCounters,
  IfaceInfo,
  NodeInfo,
  NodeSpec,
  SshAlias,
} from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { globToRegExp, ifaceKey, lateJoiners, waitingGlobs } from '../store/appStore.ts';

/** The states of an interface's capture that capture (stopped, lost and failed ones no longer do). */
const LIVE = new Set<IfaceCounters['state']>(['starting', 'running']);

/** `1 interface`, `3 interfaces`. */
function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

export function NodesPanel() {
  const ctl = useController();
  const nodes = useAppState((s) => s.nodes);
  const chosen = useAppState((s) => s.chosen);
  const globsKept = useAppState((s) => s.globs);
  const stats = useAppState((s) => s.stats);
  const following = useAppState((s) => s.following);
  const [glob, setGlob] = useState('');

  const applyGlob = (on: boolean) => {
    if (!glob.trim()) return;
    const res = glob
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((g) => {
        const [n, i] = g.includes(':') ? g.split(':') : ['*', g];
        return { node: globToRegExp(n), iface: globToRegExp(i) };
      });
    const next = new Set(chosen);
    // Like `hopscope capture --iface`: a glob leaves out loopback and down interfaces; an exact name does not.
    const isGlob = (g: string) => /[*?]/.test(g);
    const globs = glob.split(/[\s,]+/).filter(Boolean);
    for (const n of nodes)
      for (const i of n.interfaces)
        if (
          res.some(
            (r, k) =>
              r.node.test(n.name) &&
              r.iface.test(i.name) &&
              (!isGlob(globs[k].split(':').pop()!) || (i.kind !== 'loopback' && i.up)),
          )
        ) {
          if (on) next.add(ifaceKey(n.name, i.name));
          else next.delete(ifaceKey(n.name, i.name));
        }
    // Kept for the nodes whose interfaces are not listed yet: they join the capture with what the globs pick.
    const kept = ctl.store.get().globs.filter((g) => !globs.includes(g));
    ctl.store.set({ chosen: next, globs: on ? [...kept, ...globs] : kept });
  };

  const joiners = lateJoiners(nodes, chosen, globsKept);
  const waiting = waitingGlobs(nodes, chosen, globsKept);
  const nodeCount = new Set([...chosen].map((k) => k.split('\u0000')[0])).size;
  const willCapture = `${count(chosen.size, 'interface')} on ${count(nodeCount, 'node')}`;
  // While a capture runs, what it captures (its counters), not what the ticks would capture at the next Start.
  const capturing = stats?.running ? stats.counters.filter((c) => LIVE.has(c.state)) : [];
  const capturingTitle = capturing.length
    ? capturing.map((c) => `${c.node}/${c.iface}`).join('\n')
    : undefined;
  const capturingText = (): string => {
    const lanes = `Capturing ${count(capturing.length, 'interface')} on ${count(new Set(capturing.map((c) => c.node)).size, 'node')}`;
    const more = following.length ? `, and each new one matching ${following.join(' ')} as it comes up` : '';
    // Ticks changed since Start (they are for the next one; what it took up is ticked: tickCaptured): said too.
    const started = new Set(stats!.counters.map((c) => ifaceKey(c.node, c.iface)));
    const next =
      chosen.size && ([...chosen].some((k) => !started.has(k)) || [...started].some((k) => !chosen.has(k)))
        ? ` Ticked for the next capture: ${willCapture}.`
        : '';
    return `${lanes}${more}.${next}`;
  };
  const summary = !stats?.running
    ? chosen.size
      ? `Will capture ${willCapture}.`
      : waiting.globs.length
        ? `No interface chosen: Start waits for interfaces matching ${waiting.globs.join(' ')} and captures each as it comes up.`
        : 'No interface chosen.'
    : capturing.length
      ? capturingText()
      : following.length
        ? // A capture started on globs alone: it is waiting for them, not short of a choice.
          `Capturing: waiting for interfaces matching ${following.join(' ')}.`
        : stats.counters.length
          ? `Capturing: none of its ${count(stats.counters.length, 'interface')} is capturing now (see the capture bar).`
          : 'Capturing: starting.';
  return (
    <div className="nodes" data-testid="nodes">
      <h3>Nodes</h3>
      <AddNode />
      {nodes.length === 0 ? (
        <div className="empty small">No nodes yet. Add one from your ssh config or by address.</div>
      ) : null}
      {nodes.map((n) => (
        <NodeCard key={n.name} node={n} />
      ))}
      {nodes.some((n) => n.interfaces.length) ? (
        <div className="glob">
          <input
            placeholder="glob: cali*  flannel.1  node-2:eth*"
            value={glob}
            onChange={(e) => setGlob(e.target.value)}
            aria-label="select interfaces by glob"
            title="Select ticks what matches now; while capturing, an interface that appears later (a new pod's veth) or comes up and matches a glob selected here is captured too, until Clear"
            onKeyDown={(e) => e.key === 'Enter' && applyGlob(true)}
          />
          <button onClick={() => applyGlob(true)}>Select</button>
          <button onClick={() => applyGlob(false)}>Clear</button>
        </div>
      ) : null}
      <div className="muted small" data-testid="capture-summary" title={capturingTitle}>
        {summary}
        {joiners.map((j) => (
          <div key={j.node} data-testid="late-joiner">
            {`${j.node} joins when it is up, capturing ${j.globs.join(' ')}.`}
          </div>
        ))}
      </div>
    </div>
  );
}

function AddNode() {
  const ctl = useController();
  const info = useAppState((s) => s.info);
  const lab = useAppState((s) => s.lab);
  const [mode, setMode] = useState<'alias' | 'host'>('alias');
  const [configText, setConfigPath] = useState('');
  const [aliases, setAliases] = useState<SshAlias[]>([]);
  const [alias, setAlias] = useState('');
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [user, setUser] = useState('');
  const [port, setPort] = useState('22');
  const [auth, setAuth] = useState<AuthMethod>('agent');
  const [password, setPassword] = useState('');
  const [identityFile, setIdentityFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [proxyJump, setProxyJump] = useState('');
  const [jumpPassword, setJumpPassword] = useState('');
  /** Each jump host's own password, by the hop as written, when the chain has more than one. */
  const [hopPasswords, setHopPasswords] = useState<Record<string, string>>({});
  const [sudo, setSudo] = useState(false);
  const [knownHosts, setKnownHosts] = useState('');
  const [sudoPassword, setSudoPassword] = useState('');
  const [error, setError] = useState<string | null>(null);

  const [configTouched, setConfigTouched] = useState(false);
  const suggested = lab?.sshConfig ?? info?.labSshConfig ?? '';
  // Until the user types a path, follow the lab's ssh_config when a lab is up.
  const configPath = configTouched ? configText : suggested;

  useEffect(() => {
    let live = true;
    void ctl.api.listSshAliases(configPath ? { configPath } : {}).then((r) => {
      if (!live) return;
      setAliases(r.ok ? r.value : []);
      if (r.ok && r.value.length && !r.value.some((a) => a.alias === alias)) setAlias(r.value[0].alias);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctl, configPath]);

  /** The chosen alias goes through jump hosts (its config's ProxyJump): they may want a password of their own. */
  const aliasJumps = aliases.find((a) => a.alias === alias)?.proxyJump ?? null;
  const hops = jumpHops(mode === 'alias' ? aliasJumps : proxyJump);
  const jumpPasswordInput = (
    <JumpPasswordInputs
      hops={hops}
      single={jumpPassword}
      perHop={hopPasswords}
      setSingle={setJumpPassword}
      setPerHop={setHopPasswords}
    />
  );
  const jumpSecrets = () => jumpPasswordSecrets(hops, jumpPassword, hopPasswords);

  const add = async () => {
    setError(null);
    const spec =
      mode === 'alias'
        ? {
            name: name || alias,
            alias,
            ...(configPath ? { configPath } : {}),
            ...jumpSecrets(),
            ...(sudo ? { sudo, ...(sudoPassword ? { sudoPassword } : {}) } : {}),
            ...(knownHosts ? { knownHostsPath: knownHosts } : {}),
          }
        : {
            name: name || host,
            host,
            port: Number(port) || 22,
            ...(user ? { user } : {}),
            auth,
            ...(auth === 'password' && password ? { password } : {}),
            ...(auth === 'key' && identityFile ? { identityFile } : {}),
            ...(auth === 'key' && passphrase ? { passphrase } : {}),
            ...(proxyJump.trim() ? { proxyJump: proxyJump.trim() } : {}),
            ...jumpSecrets(),
            ...(sudo ? { sudo, ...(sudoPassword ? { sudoPassword } : {}) } : {}),
            ...(knownHosts ? { knownHostsPath: knownHosts } : {}),
          };
    const r = await ctl.api.addNode(spec);
    if (!r.ok) return setError(r.error.message);
    setName('');
    setPassword('');
    setJumpPassword('');
    setHopPasswords({});
    setPassphrase('');
    setSudoPassword('');
    await ctl.refreshNodes();
    const c = await ctl.api.connectNode({ name: r.value.name });
    if (!c.ok) setError(`${c.error.code}: ${c.error.message}`);
    await ctl.refreshNodes();
  };

  return (
    <div className="add-node" data-testid="add-node">
      <div className="seg">
        <button className={mode === 'alias' ? 'on' : ''} onClick={() => setMode('alias')}>
          ssh config
        </button>
        <button className={mode === 'host' ? 'on' : ''} onClick={() => setMode('host')}>
          host
        </button>
      </div>
      {mode === 'alias' ? (
        <>
          <input
            placeholder="~/.ssh/config"
            value={configPath}
            onChange={(e) => {
              setConfigTouched(true);
              setConfigPath(e.target.value);
            }}
            aria-label="ssh config path"
          />
          <select value={alias} onChange={(e) => setAlias(e.target.value)} aria-label="ssh alias">
            {aliases.map((a) => (
              <option key={a.alias} value={a.alias}>
                {a.alias} ({a.user ? `${a.user}@` : ''}
                {a.host}:{a.port})
              </option>
            ))}
          </select>
          {aliasJumps ? jumpPasswordInput : null}
        </>
      ) : (
        <>
          <input
            placeholder="host"
            value={host}
            onChange={(e) => setHost(e.target.value)}
            aria-label="host"
          />
          <div className="form-row">
            <input
              placeholder="user"
              value={user}
              onChange={(e) => setUser(e.target.value)}
              aria-label="user"
            />
            <input
              className="num"
              placeholder="22"
              value={port}
              onChange={(e) => setPort(e.target.value)}
              aria-label="port"
            />
          </div>
          <select
            value={auth}
            onChange={(e) => setAuth(e.target.value as AuthMethod)}
            aria-label="authentication"
          >
            <option value="agent">ssh agent</option>
            <option value="key">key file</option>
            <option value="password">password</option>
          </select>
          {auth === 'password' ? (
            <input
              type="password"
              placeholder="password (kept in memory only)"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-label="password"
            />
          ) : null}
          {auth === 'key' ? (
            <>
              <input
                placeholder="~/.ssh/id_ed25519"
                value={identityFile}
                onChange={(e) => setIdentityFile(e.target.value)}
                aria-label="identity file"
              />
              <input
                type="password"
                placeholder="key passphrase (kept in memory only)"
                value={passphrase}
                onChange={(e) => setPassphrase(e.target.value)}
                aria-label="key passphrase"
              />
            </>
          ) : null}
          <input
            placeholder="ProxyJump: user@bastion[:port] (optional)"
            value={proxyJump}
            onChange={(e) => setProxyJump(e.target.value)}
            aria-label="proxy jump"
          />
          {proxyJump.trim() ? jumpPasswordInput : null}
        </>
      )}
      <input
        placeholder="known_hosts file (default: from the config)"
        value={knownHosts}
        onChange={(e) => setKnownHosts(e.target.value)}
        aria-label="known_hosts file"
      />
      <div className="form-row">
        <input
          placeholder="display name (optional)"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-label="node name"
        />
        <label className="small">
          <input type="checkbox" checked={sudo} onChange={(e) => setSudo(e.target.checked)} /> sudo
        </label>
      </div>
      {sudo ? (
        <input
          type="password"
          placeholder="sudo password, if sudo asks (memory only)"
          value={sudoPassword}
          onChange={(e) => setSudoPassword(e.target.value)}
          aria-label="sudo password"
        />
      ) : null}
      <button
        className="primary"
        onClick={() => void add()}
        disabled={mode === 'alias' ? !alias : !host}
        data-testid="add-node-button"
      >
        Add &amp; connect
      </button>
      {error ? <div className="error-state small">{error}</div> : null}
    </div>
  );
}

/** The jump hosts of a ProxyJump chain as written (`[user@]host[:port]`, `ssh://` dropped), outermost first. */
function jumpHops(chain: string | null | undefined): string[] {
  return (chain ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^ssh:\/\//, ''))
    .filter((h) => h !== '');
}

/**
 * The jump hosts' password fields: each host's password is its own, as ssh asks each (the jump hosts' is not the
 * node's), so a chain of several jump hosts gets one field per host, and a single jump host one field. `edit`: the
 * node's edit form, whose fields start empty and leave a password held in memory unchanged when left so (a
 * saved secret is never shown back).
 */
function JumpPasswordInputs(props: {
  hops: string[];
  single: string;
  perHop: Record<string, string>;
  setSingle: (v: string) => void;
  setPerHop: (v: Record<string, string>) => void;
  edit?: boolean;
}) {
  const { hops, single, perHop, setSingle, setPerHop, edit = false } = props;
  const field = (hop: string | null, value: string, onChange: (v: string) => void) => {
    const what = `jump host ${hop === null ? '' : `${hop} `}password`;
    const input = (
      <input
        key={hop ?? ''}
        type="password"
        placeholder={edit ? 'unchanged' : `${what}, if it asks (memory only)`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-label={`${edit ? 'edit ' : ''}${what}`}
      />
    );
    return edit ? (
      <label key={hop ?? ''} className="small">
        {what} {input}
      </label>
    ) : (
      input
    );
  };
  if (hops.length === 0) return null;
  if (hops.length === 1) return field(null, single, setSingle);
  return <>{hops.map((hop) => field(hop, perHop[hop] ?? '', (v) => setPerHop({ ...perHop, [hop]: v })))}</>;
}

/** The jump password fields' values as NodeSpec carries them (none typed: none sent). */
function jumpPasswordSecrets(
  hops: string[],
  single: string,
  perHop: Record<string, string>,
): Pick<NodeSpec, 'jumpPassword' | 'jumpPasswords'> {
  if (hops.length === 0) return {};
  if (hops.length === 1) return single ? { jumpPassword: single } : {};
  const jumpPasswords = hops.filter((h) => perHop[h]).map((host) => ({ host, password: perHop[host] }));
  return jumpPasswords.length ? { jumpPasswords } : {};
}

const STATE_LABEL: Record<string, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  hostkey: 'waiting for host key',
  login: 'waiting for password',
  connected: 'connected',
  capturing: 'capturing',
  lost: 'connection lost',
  error: 'error',
};

function NodeCard({ node }: { node: NodeInfo }) {
  const ctl = useController();
  const chosen = useAppState((s) => s.chosen);
  const [editing, setEditing] = useState(false);
  // Its tcpdumps run under the capture, or the capture waits for it to join (still connecting): it is stopped
  // first (the back end refuses too; a late node edited or removed meanwhile failed in the capture).
  const capturing = node.state === 'capturing';
  const joining = useAppState((s) => !capturing && !!s.stats?.running && s.stats.nodes.includes(node.name));
  const held = capturing || joining;
  const heldWhy = joining
    ? 'it joins the running capture when it is up: stop the capture first'
    : 'stop the capture first';
  const toggle = (iface: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(ifaceKey(node.name, iface));
    else next.delete(ifaceKey(node.name, iface));
    ctl.store.set({ chosen: next });
  };
  // "all" means every interface that carries traffic: loopback and down interfaces are left to explicit ticks.
  const capturable = node.interfaces.filter((i) => i.kind !== 'loopback' && i.up);
  const allOn = capturable.length > 0 && capturable.every((i) => chosen.has(ifaceKey(node.name, i.name)));
  // Tree: bridges list their ports under them; everything else at the top level.
  const top = node.interfaces.filter((i) => !i.master || !node.interfaces.some((m) => m.name === i.master));
  const portsOf = (b: string) => node.interfaces.filter((i) => i.master === b);
  const item = (i: IfaceInfo, depth: number): React.ReactNode => (
    <li key={i.name} style={{ paddingLeft: depth * 14 }}>
      <label>
        <input
          type="checkbox"
          checked={chosen.has(ifaceKey(node.name, i.name))}
          onChange={(e) => toggle(i.name, e.target.checked)}
          aria-label={`${node.name} ${i.name}`}
        />
        <span className="iface-name">{i.name}</span> <span className={`kind kind-${i.kind}`}>{i.kind}</span>
        {!i.up ? <span className="badge warn">down</span> : null}
      </label>
      <div className="iface-meta muted small">
        {i.mac ?? 'no MAC'}
        {i.addresses.length ? ` · ${i.addresses.join(' ')}` : ''}
        {i.mtu ? ` · mtu ${i.mtu}` : ''}
        {i.vni !== null ? ` · vni ${i.vni} port ${i.vxlanPort ?? ''}` : ''}
        {i.peer ? ` · peer ${i.peer}` : ''}
      </div>
      {portsOf(i.name).length ? <ul>{portsOf(i.name).map((p) => item(p, 1))}</ul> : null}
    </li>
  );
  return (
    <div
      className={`node-card state-${node.state}`}
      data-testid="node-card"
      data-node={node.name}
      data-state={node.state}
    >
      <div className="node-head">
        <b>{node.name}</b> <span className="muted small">{node.target}</span>
        <span className={`status status-${node.state}`}>{STATE_LABEL[node.state] ?? node.state}</span>
      </div>
      {node.error ? (
        <div className="error-state small">
          {node.error.code}: {node.error.message}
        </div>
      ) : null}
      <div className="form-row">
        {node.state === 'connected' || node.state === 'capturing' ? (
          <button
            disabled={held}
            title={held ? heldWhy : undefined}
            onClick={() => void ctl.nodeAction(ctl.api.disconnectNode({ name: node.name }))}
          >
            Disconnect
          </button>
        ) : (
          <button onClick={() => void ctl.nodeAction(ctl.api.connectNode({ name: node.name }))}>
            Connect
          </button>
        )}
        <button
          disabled={held}
          title={held ? heldWhy : undefined}
          onClick={() => void ctl.nodeAction(ctl.api.removeNode({ name: node.name }))}
        >
          Remove
        </button>
        {node.spec && !held ? (
          <button onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
        ) : null}
        {node.interfaces.length ? (
          <label className="small">
            <input
              type="checkbox"
              checked={allOn}
              onChange={(e) => {
                const next = new Set(chosen);
                for (const i of capturable) {
                  if (e.target.checked) next.add(ifaceKey(node.name, i.name));
                  else next.delete(ifaceKey(node.name, i.name));
                }
                ctl.store.set({ chosen: next });
              }}
              aria-label={`all interfaces of ${node.name}`}
            />{' '}
            all
          </label>
        ) : null}
      </div>
      {editing && node.spec && !held ? <EditNode spec={node.spec} onDone={() => setEditing(false)} /> : null}
      {node.interfaces.length ? <ul className="iface-tree">{top.map((i) => item(i, 0))}</ul> : null}
    </div>
  );
}

/** Edits how a node is reached. Secrets are never shown: a blank secret field keeps the one in memory. */
function EditNode({ spec, onDone }: { spec: NodeSpec; onDone: () => void }) {
  const ctl = useController();
  const [draft, setDraft] = useState<NodeSpec>(spec);
  const [error, setError] = useState<string | null>(null);
  const [jumpPassword, setJumpPassword] = useState('');
  const [hopPasswords, setHopPasswords] = useState<Record<string, string>>({});
  /** An alias node's jump hosts: its ssh config's ProxyJump (as the add form finds them). */
  const [aliasJumps, setAliasJumps] = useState<string | null>(null);
  const set = (patch: Partial<NodeSpec>) => setDraft((d) => ({ ...d, ...patch }));
  useEffect(() => {
    if (draft.alias === undefined) return;
    let live = true;
    void ctl.api.listSshAliases(draft.configPath ? { configPath: draft.configPath } : {}).then((r) => {
      if (live) setAliasJumps((r.ok && r.value.find((a) => a.alias === draft.alias)?.proxyJump) || null);
    });
    return () => {
      live = false;
    };
  }, [ctl, draft.alias, draft.configPath]);
  // The chain as edited: the ProxyJump field's, else (an alias node) its config's.
  const hops = jumpHops(draft.proxyJump ?? (draft.alias !== undefined ? aliasJumps : null));
  const text = (
    key: 'name' | 'alias' | 'configPath' | 'host' | 'user' | 'proxyJump' | 'identityFile' | 'knownHostsPath',
    label: string,
  ) => (
    <label className="small">
      {label}{' '}
      <input
        value={draft[key] ?? ''}
        onChange={(e) => set({ [key]: e.target.value || undefined })}
        aria-label={`edit ${label}`}
      />
    </label>
  );
  /** A secret's field: empty (what is held is never sent here), left so it keeps the one held in memory. */
  const secret = (key: 'password' | 'passphrase' | 'sudoPassword', label: string) => (
    <label className="small">
      {label}{' '}
      <input
        type="password"
        placeholder="unchanged"
        value={draft[key] ?? ''}
        onChange={(e) => set({ [key]: e.target.value || undefined })}
        aria-label={`edit ${label}`}
      />
    </label>
  );
  const save = async () => {
    setError(null);
    // Jump passwords left empty are left out: the back end keeps those it holds (never sent back here).
    const next: NodeSpec = {
      ...draft,
      name: draft.name || spec.name,
      ...jumpPasswordSecrets(hops, jumpPassword, hopPasswords),
    };
    const r = await ctl.api.updateNode({ name: spec.name, spec: next });
    if (!r.ok) return setError(`${r.error.code}: ${r.error.message}`);
    await ctl.refreshNodes();
    onDone();
  };
  return (
    <div className="edit-node" data-testid="edit-node">
      <div className="form-row">
        {text('name', 'name')}
        {spec.alias !== undefined ? (
          <>
            {text('alias', 'alias')}
            {text('configPath', 'ssh config')}
          </>
        ) : (
          <>
            {text('host', 'host')}
            {text('user', 'user')}
            <label className="small">
              port{' '}
              <input
                value={String(draft.port ?? 22)}
                onChange={(e) => set({ port: Number(e.target.value) || 22 })}
                aria-label="edit port"
                size={5}
              />
            </label>
            {text('proxyJump', 'ProxyJump')}
            {draft.auth === 'key' ? (
              <>
                {text('identityFile', 'key file')}
                {secret('passphrase', 'key passphrase')}
              </>
            ) : null}
            {draft.auth === 'password' ? secret('password', 'password') : null}
          </>
        )}
        <JumpPasswordInputs
          hops={hops}
          single={jumpPassword}
          perHop={hopPasswords}
          setSingle={setJumpPassword}
          setPerHop={setHopPasswords}
          edit
        />
        <label className="small">
          <input
            type="checkbox"
            checked={!!draft.sudo}
            onChange={(e) => set({ sudo: e.target.checked || undefined })}
          />{' '}
          sudo
        </label>
        {draft.sudo ? secret('sudoPassword', 'sudo password') : null}
        {text('knownHostsPath', 'known_hosts')}
      </div>
      <div className="form-row">
        <button className="primary" onClick={() => void save()}>
          Save
        </button>
        <button onClick={onDone}>Cancel</button>
        <span className="muted small">
          Saving disconnects the node; connect again to use the new settings.
        </span>
      </div>
      {error ? <div className="error-state small">{error}</div> : null}
    </div>
  );
}
