// The page script both UI benches install just before the click on Open (a string: tsx would wrap inner functions
// in a helper the page lacks). In every animation frame (the DOM as that frame paints it) it notes the first rows
// in a pane (`rows`), the first frame whose rows shown have their summaries filled in (`view`: possibly only the
// first panes' rows are in), and the first frame in which every pane shows rows, all with their summaries (`full`:
// the first view the target is judged on). Playwright's own waits would add their polling delay.

/** The script, noting the times into the object at `marks` (a page expression, e.g. `window.__hsMarks`). */
export function watchFirstView(marks: string): string {
  return `
  const check = (now) => {
    const m = ${marks};
    if (m.rows === undefined && document.querySelector('[data-testid=pane] .row')) m.rows = now;
    if (m.rows !== undefined) {
      const s = [...document.querySelectorAll('[data-testid=pane] .row .s')];
      const filled = s.length > 0 && s.every((e) => e.textContent !== '\\u2026');
      if (filled && m.view === undefined) m.view = now;
      const panes = [...document.querySelectorAll('[data-testid=pane]')];
      if (filled && panes.length > 0 && panes.every((p) => p.querySelector('.row'))) m.full = now;
    }
    if (m.full === undefined) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
`;
}
