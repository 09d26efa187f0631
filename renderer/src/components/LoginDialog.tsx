// A node (or its jump host) asks for a login answer its form did not give: the questions as `ssh` asks them on a
// terminal, hidden unless the server wants them shown. One at a time; the host-key dialog goes first.

import { useState, type FormEvent } from 'react';

import type { LoginPrompt } from '../../../preload/api.ts';
import { useAppState, useController } from '../context.ts';
import { hostKeySubject } from '../lib/hostKeyText.ts';

export function LoginDialog() {
  const prompts = useAppState((s) => s.loginPrompts);
  const hostKeyAsked = useAppState((s) => s.hostKeyPrompts.length > 0);
  const p = prompts[0];
  if (!p || hostKeyAsked) return null;
  // Keyed by the question: a new one starts with empty fields (never the last one's answer).
  return <LoginForm key={p.promptId} p={p} waiting={prompts.length - 1} />;
}

function LoginForm({ p, waiting }: { p: LoginPrompt; waiting: number }) {
  const ctl = useController();
  const [answers, setAnswers] = useState<string[]>(() => p.prompts.map(() => ''));
  const header = [p.name, p.instructions].filter((s) => s.trim() !== '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void ctl.answerLogin(p.promptId, answers);
  };
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-label="login"
        data-testid="login-dialog"
        data-node={p.node}
        data-jump-host={p.jumpHost}
        onSubmit={submit}
      >
        <h3>Log in to {hostKeySubject(p)}</h3>
        {p.refused > 0 ? (
          <p className="error-state small" data-testid="login-refused">
            Permission denied, please try again.
          </p>
        ) : null}
        {header.map((line, i) => (
          <p key={i} className="login-header">
            {line}
          </p>
        ))}
        {p.prompts.map((q, i) => (
          <label key={i} className="login-prompt">
            <span className="mono">{q.prompt}</span>
            <input
              type={q.echo ? 'text' : 'password'}
              autoComplete="off"
              spellCheck={false}
              autoFocus={i === 0}
              value={answers[i]}
              onChange={(e) => setAnswers((a) => a.map((v, j) => (j === i ? e.target.value : v)))}
              data-testid="login-answer"
            />
          </label>
        ))}
        <p className="muted small">
          The answer goes to this host only, never saved. A password is kept in memory until the app quits (a
          later connection to this host is not asked for it again); any other answer, such as a one-time code,
          is asked each time. Cancel skips this way of logging in, as ssh does when none is given.
          {waiting > 0 ? ` ${waiting} more question${waiting > 1 ? 's' : ''} waiting.` : ''}
        </p>
        <div className="form-row">
          <button type="submit" className="primary" data-testid="login-submit">
            Log in
          </button>
          <button
            type="button"
            onClick={() => void ctl.answerLogin(p.promptId, null)}
            data-testid="login-cancel"
          >
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
