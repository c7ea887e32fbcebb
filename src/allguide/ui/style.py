"""The web UI's stylesheet and the small script that makes citation chips open their source."""

from __future__ import annotations

CSS = """
.gradio-container {max-width: 1400px !important; overflow: clip !important}
#ag-banner {position: sticky; top: 0; z-index: 50}
.ag-banner {background: #0f3d63; color: #fff; padding: 7px 14px; border-radius: 6px;
  font-size: 15px}
.ag-banner b {color: #fff; letter-spacing: .02em}
.ag-msg {color: inherit; line-height: 1.5}
.ag-msg .ag-p {margin: 0 0 .45em}
.ag-label {font-size: .75em; font-weight: 700; text-transform: uppercase; letter-spacing: .05em}
.ag-clarify, .ag-refusal, .ag-error {padding: .45em .75em; border-radius: 4px; color: #1f2937}
.ag-clarify {border-left: 4px solid #b7791f; background: #fffaf0}
.ag-clarify .ag-label {color: #975a16}
.ag-refusal {border-left: 4px solid #64748b; background: #f1f5f9}
.ag-refusal .ag-label {color: #475569}
.ag-error {border-left: 4px solid #c53030; background: #fff5f5}
.ag-error .ag-label {color: #c53030}
.ag-chip {display: inline-block; min-width: 1.5em; padding: 0 .35em; margin: 0 .12em;
  border-radius: 999px; background: #dbe7f5; color: #0f3d63 !important; font-size: .78em;
  font-weight: 700; line-height: 1.55em; text-align: center; text-decoration: none !important;
  vertical-align: .12em; cursor: pointer}
.ag-chip:hover {background: #0f3d63; color: #fff !important}
.ag-note {color: #64748b; font-size: .82em; border-top: 1px solid #e2e8f0; padding-top: .35em;
  margin: .5em 0 0}
.ag-tool {border: 1px solid #cbd5e1; border-radius: 6px; padding: .35em .65em; margin: .5em 0;
  background: #f8fafc; color: #1f2937}
.ag-tool summary {cursor: pointer; font-weight: 600; font-size: .92em}
.ag-kv {border-collapse: collapse; border: none !important; margin: .25em 0 .5em; width: auto}
.ag-kv th, .ag-kv td {border: none !important; padding: 1px 10px 1px 0; text-align: left;
  vertical-align: top; background: none !important}
.ag-kv th {font-weight: 600; color: #334155; font-size: .9em !important}
.ag-kv td {font-size: .9em !important}
.ag-rule {border-left: 3px solid #2b6cb0; margin: .5em 0 .2em; padding: .25em .7em;
  background: #eef4fb; color: #1f2937}
.ag-cite, .ag-small, .ag-id, .ag-meta, .ag-empty {color: #64748b; font-size: .85em}
.ag-result ul {margin: .2em 0 .5em 1.2em; font-size: .9em}
.ag-sources {max-height: 640px; overflow-y: auto; padding: 2px}
.ag-sources-head {font-weight: 700; margin-bottom: .4em}
.ag-source {border: 1px solid #cbd5e1; border-radius: 6px; padding: .45em .7em; margin-bottom: .6em;
  background: #fff; color: #1f2937}
.ag-source summary {cursor: pointer}
.ag-title {font-weight: 600; font-size: .9em; margin-top: .3em}
.ag-passage {white-space: pre-wrap; font-size: .9em; line-height: 1.45; margin: .35em 0}
.ag-mark {background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px}
.ag-mark sup {font-size: .7em; font-weight: 700; color: #7c5800; margin-left: 2px}
.ag-flash {outline: 3px solid #2b6cb0; outline-offset: 2px}
.ag-field-error {color: #c53030; font-size: .88em; margin: -2px 0 6px}
.ag-status {color: #166534; font-size: .9em; padding-top: 1.6em}
.ag-learn-head {font-weight: 600}
.ag-learn-q {font-size: 1.05em; line-height: 1.5; margin: .35em 0}
.ag-progress {height: 10px; border-radius: 999px; background: #e2e8f0; overflow: hidden}
.ag-progress-fill {height: 100%; background: #2b6cb0; transition: width .3s}
.ag-verdict {padding: .4em .75em; border-radius: 4px; margin-bottom: .5em; font-weight: 600;
  color: #1f2937}
.ag-right {border-left: 4px solid #2f855a; background: #f0fff4}
.ag-wrong {border-left: 4px solid #c53030; background: #fff5f5}
.ag-score {font-size: 1.1em; font-weight: 700; margin: .4em 0}
.ag-review ol {margin: .3em 0 0 1.2em}
.ag-review li {margin-bottom: .8em}
.ag-explanation {margin: .3em 0; line-height: 1.5}
.ag-learn-scores, .ag-learn-scores tr {margin: .2em 0 .4em; border: none !important}
"""

# Chips jump to their passage in the sources panel (opening it), waiting briefly when a
# click on an older answer is still re-rendering the panel.
JS = """
() => {
  document.addEventListener("click", (event) => {
    const chip = event.target.closest && event.target.closest("a.ag-chip");
    if (!chip) return;
    event.preventDefault();
    const id = chip.getAttribute("href").slice(1);
    let tries = 0;
    const show = () => {
      const target = document.getElementById(id);
      if (!target) { if (tries++ < 20) setTimeout(show, 100); return; }
      const box = target.closest("details");
      if (box) box.open = true;
      target.scrollIntoView({block: "center", behavior: "smooth"});
      target.classList.add("ag-flash");
      setTimeout(() => target.classList.remove("ag-flash"), 1500);
    };
    show();
  }, true);
}
"""
