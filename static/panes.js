// Pane content behaviour (samples, drawings); the page-level behaviour is in the scripts run
// before this one (app.py PAGE_SCRIPTS).
//
//  - the drawing strip / grid under the panes (#gp-gallery .gp-align) gets one grid track per pane
//    at the pane's measured x-range, so its columns line up with the panes whatever the page
//    layout does (the server's default tracks share the width equally, as the panes do);
//  - a pane's open sample tab (radio inputs, pure CSS) survives the pane's updates: Gradio
//    patches the pane's DOM in place and would put the server's "sample 1 checked" back.
(function () {
  "use strict";
  if (window.gpPanes) { return; }

  function styleElement() {
    var el = document.getElementById("gp-align-style");
    if (!el) {
      el = document.createElement("style");
      el.id = "gp-align-style";
      document.head.appendChild(el);
    }
    return el;
  }

  function panesInOrder() {
    var root = document.getElementById("gp-panes") || document;
    var panes = root.querySelectorAll(".gp-pane[data-pane]");
    var shown = [];
    for (var i = 0; i < panes.length; i++) {
      if (panes[i].getClientRects().length) { shown.push(panes[i]); }
    }
    return shown;
  }

  function align() {
    var rules = [];
    var boxes = document.querySelectorAll("#gp-gallery .gp-align[data-panes]");
    var panes = panesInOrder();
    for (var b = 0; b < boxes.length; b++) {
      var box = boxes[b];
      var n = Number(box.getAttribute("data-panes"));
      if (!n || panes.length !== n || !box.getClientRects().length) { continue; }
      // Where the box starts without our margin: its parent's content edge (the box has no
      // margin or padding of its own).
      var parent = box.parentElement, style = getComputedStyle(parent);
      var origin = parent.getBoundingClientRect().left + (parseFloat(style.paddingLeft) || 0) +
        (parseFloat(style.borderLeftWidth) || 0);
      // Panes may start left of the gallery (the page pads them differently): shift the box left.
      var shift = Math.min(0, panes[0].getBoundingClientRect().left - origin);
      var tracks = [], cursor = 0, ok = true;
      for (var i = 0; i < n; i++) {
        var r = panes[i].getBoundingClientRect();
        var left = r.left - origin - shift;
        if (left < cursor - 0.5) { ok = false; break; }  // panes wrapped or overlap: keep the default
        tracks.push(Math.max(0, left - cursor).toFixed(2) + "px");
        tracks.push(r.width.toFixed(2) + "px");
        cursor = left + r.width;
      }
      if (!ok) { continue; }
      var kind = box.classList.contains("gp-grid-table") ? "gp-grid-table" : "gp-strip-row";
      rules.push("#gp-gallery ." + kind + "[data-panes=\"" + n + "\"] { grid-template-columns: " +
                 tracks.join(" ") + " !important; margin-left: " + shift.toFixed(2) + "px !important; }");
    }
    // A drawing in a pane is whole: never taller than the pane's scroll area (minus its caption
    // line), so it is never cut by the pane's height. The area's height is measured (a percentage
    // cannot reach it through the answer's auto height).
    for (var p = 0; p < panes.length; p++) {
      var body = panes[p].querySelector(":scope > .gp-body");
      if (!body || !body.clientHeight) { continue; }
      var room = Math.max(80, body.clientHeight - 44);
      rules.push(".gp-pane[data-pane=\"" + panes[p].getAttribute("data-pane") + "\"] .gp-drawing img.gp-svg { max-height: " +
                 room + "px !important; }");
    }
    var css = rules.join("\n");
    var el = styleElement();
    if (el.textContent !== css) { el.textContent = css; }
  }

  // ------------------------------------------------------------------ sample tabs
  var chosen = {};  // "pane:k" -> sample number the person opened

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.classList || !input.classList.contains("gp-sample-radio")) { return; }
    var pane = input.closest(".gp-pane[data-pane]");
    if (!pane) { return; }
    chosen[pane.getAttribute("data-pane") + ":" + pane.getAttribute("data-samples")] = input.getAttribute("data-sample");
  }, true);

  function keepTabs() {
    var panes = document.querySelectorAll(".gp-pane.gp-has-samples[data-pane]");
    for (var i = 0; i < panes.length; i++) {
      var want = chosen[panes[i].getAttribute("data-pane") + ":" + panes[i].getAttribute("data-samples")];
      if (!want) { continue; }
      var input = panes[i].querySelector(':scope > input.gp-sample-radio[data-sample="' + want + '"]');
      if (input && !input.checked) { input.checked = true; }
    }
  }

  // ------------------------------------------------------------------ wiring
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    requestAnimationFrame(function () { pending = false; keepTabs(); align(); });
  }

  function start() {
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var node = records[i].target;
        var el = node.nodeType === 1 ? node : node.parentElement;
        if (el && el.closest && (el.closest(".gp-pane") || el.closest("#gp-gallery") || el.closest("#gp-panes"))) {
          keepTabs();  // now, before paint: no flicker back to sample 1
          schedule();
          return;
        }
      }
    }).observe(document.body, { childList: true, subtree: true, attributes: true,
                                attributeFilter: ["style", "class", "checked"] });
    window.addEventListener("resize", schedule);
    if (window.ResizeObserver) {
      new ResizeObserver(schedule).observe(document.body);
    }
    schedule();
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }

  window.gpPanes = { align: align, keepTabs: keepTabs };
})();
