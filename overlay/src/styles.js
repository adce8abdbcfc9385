// The panel's stylesheet. It lives inside the shadow root, so none of it reaches the page. Sizes are in px,
// because em and rem would follow the page's font sizes, and custom properties are set on `.root` rather
// than on `:host`, because page rules that match the host would win over `:host` and could change them.

/** Returns the CSS for a panel `width` px wide with the `accent` colour and `theme` ("light" or "dark"). */
export function panelCss({ width, accent, theme }) {
  const dark = theme === "dark";
  return `
:host { all: initial; }
/* The host is a popover in the top layer, which gives it a ::backdrop covering the viewport. A page rule such
   as "::backdrop { background: ... }" would dim the page behind the panel. An !important declaration of the
   shadow tree beats the page's, even an !important one. */
:host::backdrop { display: none !important; }
.root {
  --accent: ${accent};
  --bg: ${dark ? "#111827" : "#ffffff"};
  --fg: ${dark ? "#f3f4f6" : "#111827"};
  --muted: ${dark ? "#9ca3af" : "#6b7280"};
  --line: ${dark ? "#374151" : "#e5e7eb"};
  --field: ${dark ? "#1f2937" : "#f9fafb"};
  --ok: #15803d; --warn: #b45309; --bad: #b91c1c;
  all: initial;
  display: block;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg);
  -webkit-font-smoothing: antialiased;
}
.root *, .root *::before, .root *::after { box-sizing: border-box; font: inherit; color: inherit; letter-spacing: normal; text-transform: none; }
.panel {
  width: ${width}px;
  background: var(--bg);
  border: 1px solid var(--line);
  border-radius: 10px;
  box-shadow: 0 8px 28px rgba(0, 0, 0, 0.22);
  overflow: hidden;
  display: flex; flex-direction: column;
}
.header { display: flex; align-items: center; gap: 6px; padding: 8px 8px 8px 10px; cursor: grab; user-select: none; touch-action: none; border-bottom: 1px solid var(--line); }
.header.dragging { cursor: grabbing; }
.title { font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); flex: none; }
.dot.ready { background: var(--ok); }
.dot.connecting { background: var(--warn); }
.dot.failed, .dot.closed { background: var(--bad); }
.icon { all: unset; box-sizing: border-box; width: 24px; height: 24px; border-radius: 6px; display: inline-flex; align-items: center; justify-content: center; cursor: pointer; font-size: 16px; line-height: 1; color: var(--muted); }
.icon:hover, .icon:focus-visible { background: var(--field); color: var(--fg); }
.tabs { display: flex; border-bottom: 1px solid var(--line); }
.tab { all: unset; flex: 1; text-align: center; padding: 7px 0; cursor: pointer; color: var(--muted); border-bottom: 2px solid transparent; font-size: 13px; }
.tab[aria-selected="true"] { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
.tab:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
/* 100vh less the header and tabs, so the whole panel fits in a short window. */
.view { padding: 10px; max-height: min(380px, calc(100vh - 110px)); overflow: auto; }
.view[hidden] { display: none; }
label.field { display: block; margin-bottom: 8px; }
.label { display: block; font-size: 12px; color: var(--muted); margin-bottom: 2px; }
input.text, textarea.text {
  display: block; width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--field); color: var(--fg); font-size: 13px; outline: none; margin: 0;
}
textarea.text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; min-height: 48px; resize: vertical; }
input.text:focus, textarea.text:focus { border-color: var(--accent); }
input.text[aria-invalid="true"], textarea.text[aria-invalid="true"] { border-color: var(--bad); }
.error { display: block; color: var(--bad); font-size: 12px; margin-top: 2px; }
.error:empty { display: none; }
.button { all: unset; box-sizing: border-box; display: inline-block; padding: 6px 12px; border-radius: 6px; background: var(--accent); color: #ffffff; font-weight: 600; cursor: pointer; text-align: center; font-size: 13px; }
.button.secondary { background: var(--field); color: var(--fg); border: 1px solid var(--line); font-weight: 400; padding: 4px 8px; }
.button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.button[disabled] { opacity: 0.5; cursor: default; }
.row-buttons { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0; }
.note.warn { color: var(--warn); }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; line-height: 18px; font-weight: 600; white-space: nowrap; background: var(--field); color: var(--muted); border: 1px solid var(--line); }
.badge.accepted { background: #dcfce7; color: #166534; border-color: #bbf7d0; }
.badge.duplicate { background: #fef3c7; color: #92400e; border-color: #fde68a; }
.badge.rejected { background: #fee2e2; color: #991b1b; border-color: #fecaca; }
.badge.manual { background: #ede9fe; color: #5b21b6; border-color: #ddd6fe; }
.results { list-style: none; margin: 10px 0 0; padding: 0; }
.results li { border-top: 1px solid var(--line); padding: 6px 0; }
.reason { color: var(--bad); font-size: 12px; overflow-wrap: anywhere; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.toolbar { display: flex; gap: 6px; align-items: center; margin-bottom: 6px; }
.toolbar input.text { flex: 1; min-width: 0; padding: 4px 8px; }
.switch { display: flex; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; margin-bottom: 6px; }
.switch button { all: unset; flex: 1; text-align: center; padding: 4px 0; cursor: pointer; font-size: 12px; color: var(--muted); }
.switch button[aria-pressed="true"] { background: var(--accent); color: #ffffff; }
.counts { color: var(--muted); font-size: 11px; margin-bottom: 4px; }
.events { list-style: none; margin: 0; padding: 0; }
.event { border-top: 1px solid var(--line); }
.event-line { display: grid; grid-template-columns: auto 1fr auto; gap: 1px 6px; padding: 5px 2px; cursor: pointer; align-items: baseline; }
.event-line:hover, .event-line:focus-visible { background: var(--field); outline: none; }
.event-time { grid-row: span 2; color: var(--muted); font-size: 11px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.event-what { grid-column: 2 / 4; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.event-badges { grid-column: 3; grid-row: 2; white-space: nowrap; }
.event-type { color: var(--muted); }
.event-value { grid-column: 2; grid-row: 2; color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.details { margin: 0 0 6px; padding: 6px; background: var(--field); border-radius: 6px; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
.details dt { color: var(--muted); font-size: 11px; }
.details dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; }
.status-table { display: grid; grid-template-columns: auto 1fr; gap: 4px 10px; margin: 0 0 10px; }
.status-table dt { color: var(--muted); }
.status-table dd { margin: 0; overflow-wrap: anywhere; }
.launcher { all: unset; box-sizing: border-box; width: 44px; height: 44px; border-radius: 50%; background: var(--accent); color: #ffffff; display: flex; align-items: center; justify-content: center; cursor: pointer; box-shadow: 0 4px 14px rgba(0, 0, 0, 0.3); font-weight: 700; font-size: 13px; position: relative; touch-action: none; user-select: none; }
.launcher .dot { position: absolute; right: 2px; top: 2px; border: 2px solid #ffffff; width: 11px; height: 11px; }
.launcher .unseen { position: absolute; left: -4px; top: -4px; min-width: 18px; height: 18px; border-radius: 9px; padding: 0 4px; background: #ffffff; color: var(--accent); font-size: 11px; line-height: 18px; text-align: center; border: 1px solid var(--accent); }
.launcher .unseen:empty { display: none; }
.launcher:focus-visible { outline: 2px solid var(--fg); outline-offset: 2px; }
[hidden] { display: none !important; }
`;
}
