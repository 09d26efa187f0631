// The BPF filter as a one-line Monaco editor, bundled and loaded locally (never from a CDN) after first paint.
// Until Monaco is ready — or if it cannot load — a plain input does the same job.

import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { useAppState } from '../context.ts';

export interface FilterEditorProps {
  value: string;
  onChange: (v: string) => void;
  onEnter?: () => void;
  error?: string | null;
}

type Monaco = typeof import('monaco-editor/editor/editor.api');

export function FilterEditor({ value, onChange, onEnter, error }: FilterEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<import('monaco-editor/editor/editor.api').editor.IStandaloneCodeEditor | null>(
    null,
  );
  const [ready, setReady] = useState(false);
  const cb = useRef({ onChange, onEnter });
  useLayoutEffect(() => {
    cb.current = { onChange, onEnter };
  });

  useEffect(() => {
    let disposed = false;
    if (typeof Worker === 'undefined' || navigator.userAgent.includes('HappyDOM')) return;
    void loadMonaco()
      .then((monaco) => {
        if (disposed || !host.current) return;
        const dark = document.documentElement.dataset.theme === 'dark';
        const ed = monaco.editor.create(host.current, {
          value,
          language: 'plaintext',
          theme: dark ? 'vs-dark' : 'vs',
          minimap: { enabled: false },
          lineNumbers: 'off',
          glyphMargin: false,
          folding: false,
          scrollbar: { vertical: 'hidden', horizontal: 'hidden' },
          overviewRulerLanes: 0,
          renderLineHighlight: 'none',
          wordWrap: 'off',
          fontSize: 13,
          automaticLayout: true,
          ariaLabel: 'capture filter (BPF)',
          // Tab moves the focus on (it typed whitespace into the filter and never left the editor).
          tabFocusMode: true,
          contextmenu: false,
          scrollBeyondLastLine: false,
        });
        // One line only: Enter starts the capture instead of inserting a newline; pasted newlines become spaces.
        ed.addCommand(monaco.KeyCode.Enter, () => cb.current.onEnter?.());
        ed.onDidChangeModelContent(() => {
          const v = ed.getValue();
          if (v.includes('\n')) ed.setValue(v.replace(/\r?\n/g, ' '));
          else cb.current.onChange(v);
        });
        editorRef.current = ed;
        setReady(true);
      })
      .catch(() => undefined);
    return () => {
      disposed = true;
      editorRef.current?.dispose();
      editorRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Follow the app's theme (from the store: the document's attribute is set after this renders).
  const theme = useAppState((s) => s.theme);
  useEffect(() => {
    if (ready && monacoPromise)
      void monacoPromise.then((m) => m.editor.setTheme(theme === 'dark' ? 'vs-dark' : 'vs'));
  }, [ready, theme]);

  // Presets and resets come in through `value`.
  useEffect(() => {
    const ed = editorRef.current;
    if (ed && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  return (
    <div className={`filter-editor${error ? ' invalid' : ''}`} data-testid="filter-editor">
      <div ref={host} className="monaco-host" style={{ display: ready ? 'block' : 'none' }} />
      {!ready ? (
        <input
          className="mono"
          value={value}
          placeholder="capture filter (BPF), e.g. icmp or udp port 8472"
          aria-label="capture filter (BPF)"
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && onEnter?.()}
        />
      ) : null}
      {error ? (
        <div className="filter-error" role="alert">
          {error}
        </div>
      ) : null}
    </div>
  );
}

let monacoPromise: Promise<Monaco> | null = null;

function loadMonaco(): Promise<Monaco> {
  monacoPromise ??= (async () => {
    const [monaco, worker] = await Promise.all([
      import('monaco-editor/editor/editor.api'),
      import('monaco-editor/editor/editor.worker?worker'),
    ]);
    (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
      getWorker: () => new worker.default(),
    };
    return monaco;
  })();
  return monacoPromise;
}
