// gemma-playground, browser side. launch() (ui/app.py) puts the page scripts into <head> as one
// script, in PAGE_SCRIPTS order: this file, url_state.js, layout.js, diff_sync.js, panes.js. They
// run once, before Gradio creates the page, so listeners sit on `document` and elements are
// found when needed.
//
// This file: window.gp, the names the server's js= snippets call (each file adds its own) and how
// the files share theirs; the page config reader; the shared state; and the keyboard:
// Ctrl/Cmd+Enter runs, Esc stops (#gp-run / #gp-stop).
//
// Shared values (status words, limits, field ids) come from the JSON the server renders into
// <script id="gp-config"> (app.py page_config), never from copies kept here.
(function () {
  "use strict";
  if (window.gp) { return; }

  var CONFIG = null;

  function config() {
    if (CONFIG) { return CONFIG; }
    var el = document.getElementById("gp-config");
    try { CONFIG = el ? JSON.parse(el.textContent) : null; } catch (err) { CONFIG = null; }
    return CONFIG || { maxUrlChars: 4000, maxPanes: 6, activeStatuses: [], models: [], fields: null, tooltips: {} };
  }

  function isActive(status) { return config().activeStatuses.indexOf(status) >= 0; }

  var state = { diff: false, baseline: 0, sync: false, lastRunClick: 0 };

  // ------------------------------------------------------------------ keyboard
  function click(id) {
    var el = document.getElementById(id);
    if (!el) { return false; }
    var button = el.tagName === "BUTTON" ? el : el.querySelector("button") || el;
    if (button.getClientRects().length === 0) { return false; }  // another tab is open: not ours
    button.click();
    return true;
  }

  function somethingRuns() {
    if (Date.now() - state.lastRunClick < 3000) { return true; }  // before the first pane update
    var states = document.querySelectorAll(".gp-pane .gp-state[data-status]");
    for (var i = 0; i < states.length; i++) {
      if (isActive(states[i].getAttribute("data-status"))) { return true; }
    }
    return false;
  }

  // Stop turns live the moment Run is pressed (before the first pane arrives), and grey again
  // if nothing came of it.
  function runClicked() {
    state.lastRunClick = Date.now();
    if (window.gp && window.gp.updateStop) {
      window.gp.updateStop();
      setTimeout(window.gp.updateStop, 3100);
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("#gp-run")) { runClicked(); }
  }, true);

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !event.altKey) {
      // Capture phase on document: the prompt's own Enter handling never sees this key.
      if (click("gp-run")) {
        event.preventDefault();
        event.stopPropagation();
        runClicked();
      }
    } else if (event.key === "Escape" && !event.defaultPrevented) {
      var active = document.activeElement;
      if (active && active.getAttribute && active.getAttribute("aria-expanded") === "true") {
        return;  // Esc closes an open dropdown list first
      }
      if (somethingRuns()) { click("gp-stop"); }
    }
  }, true);

  window.gp = {
    config: config,
    state: state,  // diff, baseline, sync (diff_sync.js); lastRunClick (the keyboard, here)
    somethingRuns: somethingRuns,  // layout.js greys Stop while nothing runs
  };
})();
