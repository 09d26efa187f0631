// "Local lab": start/stop a walkthrough scenario on this machine (root, Linux) and generate its traffic.

import { useState } from 'react';

import { useAppState, useController } from '../context.ts';

export function LabPanel() {
  const ctl = useController();
  const lab = useAppState((s) => s.lab);
  const [scenario, setScenario] = useState('flannel-vxlan');
  const [busy, setBusy] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  if (!lab) return null;
  if (!lab.available) return <div className="muted small lab">Local lab: {lab.reason}</div>;
  const act = async (label: string, run: () => Promise<{ ok: boolean; error?: { message: string } }>) => {
    setBusy(label);
    setMsg(null);
    const r = await run();
    setBusy(null);
    if (!r.ok) setMsg(r.error?.message ?? 'failed');
    await ctl.refreshLab();
  };
  return (
    <div className="lab" data-testid="lab">
      <h3>Local lab</h3>
      <div className="form-row">
        <select
          value={lab.scenario ?? scenario}
          onChange={(e) => setScenario(e.target.value)}
          disabled={!!lab.scenario}
          aria-label="lab scenario"
        >
          {lab.scenarios.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        {lab.scenario ? (
          <>
            <button
              disabled={!!busy}
              onClick={() => void act('traffic', () => ctl.api.labTraffic({ scenario: lab.scenario! }))}
            >
              Traffic
            </button>
            <button disabled={!!busy} onClick={() => void act('down', () => ctl.api.labDown())}>
              Down
            </button>
          </>
        ) : (
          <button disabled={!!busy} onClick={() => void act('up', () => ctl.api.labUp({ scenario }))}>
            Up
          </button>
        )}
      </div>
      <div className="muted small">
        {busy ? `${busy}…` : lab.scenario ? `${lab.scenario} is up · ${lab.sshConfig}` : 'down'}
      </div>
      {msg ? <div className="error-state small">{msg}</div> : null}
    </div>
  );
}
