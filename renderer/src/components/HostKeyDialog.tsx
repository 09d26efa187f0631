// An unknown host key needs an explicit decision; the fingerprint is shown as OpenSSH prints it.

import { useAppState, useController } from '../context.ts';
import { hostKeySubject } from '../lib/hostKeyText.ts';

export function HostKeyDialog() {
  const ctl = useController();
  const prompts = useAppState((s) => s.hostKeyPrompts);
  const p = prompts[0];
  if (!p) return null;
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-label="unknown host key"
        data-testid="hostkey-dialog"
        data-node={p.node}
        data-jump-host={p.jumpHost}
      >
        <h3>Unknown host key for {hostKeySubject(p)}</h3>
        <p>
          The authenticity of <b>{p.host}</b> can’t be established. Check that its {p.keyType} key fingerprint
          is:
        </p>
        <p className="mono fingerprint">{p.fingerprint}</p>
        <p className="muted small">
          Accepting adds it to known_hosts. A key that later changes is refused, not asked about.
        </p>
        <div className="form-row">
          <button
            className="primary"
            onClick={() => void ctl.answerHostKey(p.promptId, true)}
            data-testid="hostkey-accept"
          >
            Trust and connect
          </button>
          <button onClick={() => void ctl.answerHostKey(p.promptId, false)}>Reject</button>
        </div>
      </div>
    </div>
  );
}
