// Page layout: the band's menus float over the panes (one open at a time), the panes fill the
// rest of the viewport, a pane expands to full width and back, pickers and per-pane icon buttons
// get their tooltips, and a duplicated pane is shown where it lands.
(function () {
  "use strict";
  var gp = window.gp;
  if (!gp || gp.expand) { return; }
  var config = gp.config;

  // ------------------------------------------------------------------ menus
  // The band's menus float over the panes: one open at a time; a click elsewhere on the page,
  // or picking an example, closes them.
  function closeMenus(except) {
    var open = document.querySelectorAll("#gp-menus .gp-menu > button.label-wrap.open");
    for (var i = 0; i < open.length; i++) {
      if (open[i].parentElement !== except) { open[i].click(); }
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest || !event.isTrusted) { return; }
    var label = target.closest("#gp-menus .gp-menu > button.label-wrap");
    if (label) { closeMenus(label.parentElement); return; }
    if (target.closest("#gp-examples .gp-example, #gp-examples table td, #gp-examples button:not(.label-wrap)")) {
      setTimeout(function () { closeMenus(null); }, 0);
      return;
    }
    if (!target.closest("#gp-menus") && !target.closest("ul.options")) { closeMenus(null); }
  }, true);

  // ------------------------------------------------------------------ layout
  // The panes take the height left under them in the viewport (at least 260 px), so a run's
  // answers are on the first screen and long ones scroll inside their pane.
  function fitPanes() {
    var row = document.getElementById("gp-panes");
    if (!row || row.getClientRects().length === 0) { return; }
    var top = row.getBoundingClientRect().top + window.scrollY;
    var actions = row.querySelector(".gp-pane-actions");
    var extra = actions ? actions.getBoundingClientRect().height + 6 : 34;
    var height = Math.max(260, Math.floor(window.innerHeight - top - extra - 10));
    var value = height + "px";
    if (document.documentElement.style.getPropertyValue("--gp-pane-height") !== value) {
      document.documentElement.style.setProperty("--gp-pane-height", value);
    }
  }
  window.addEventListener("resize", fitPanes);

  // A pane's header gives way in steps as the pane narrows (panes.css): badges fold to their
  // icons in a narrow pane, the status detail goes in a tight one; the model's name stays.
  var NARROW_PX = 430, TIGHT_PX = 270;
  function markWidths() {
    var slots = document.querySelectorAll("#gp-panes > .gp-pane-slot");
    for (var i = 0; i < slots.length; i++) {
      var width = slots[i].getBoundingClientRect().width;
      if (!width) { continue; }
      var narrow = width < NARROW_PX, tight = width < TIGHT_PX;
      if (slots[i].classList.contains("gp-narrow") !== narrow) { slots[i].classList.toggle("gp-narrow", narrow); }
      if (slots[i].classList.contains("gp-tight") !== tight) { slots[i].classList.toggle("gp-tight", tight); }
    }
  }
  window.addEventListener("resize", function () { markWidths(); });

  function expand(slot) {
    var row = document.getElementById("gp-panes");
    if (!row) { return; }
    var target = document.getElementById("gp-slot-" + slot);
    var on = !(target && target.classList.contains("gp-expanded"));
    var slots = row.querySelectorAll(".gp-pane-slot");
    for (var i = 0; i < slots.length; i++) { slots[i].classList.toggle("gp-expanded", on && slots[i] === target); }
    row.classList.toggle("gp-has-expanded", on);
    markWidths();
    var button = document.getElementById("gp-expand-" + slot);
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  function labelButtons() {
    // A picker's full model name on hover (the box may be narrower than the name).
    var picks = document.querySelectorAll(".gp-model-pick input");
    for (var p = 0; p < picks.length; p++) {
      var masked = picks[p].closest(".gp-blind-copy");  // a blind copy's model stays unsaid until the vote
      var tip = masked ? masked.getAttribute("data-copy-of") : picks[p].value;
      if (picks[p].getAttribute("title") !== tip) { picks[p].setAttribute("title", tip); }
    }
    var tips = config().tooltips || {};
    Object.keys(tips).forEach(function (action) {
      for (var slot = 0; slot < config().maxPanes; slot++) {
        var el = document.getElementById("gp-" + action + "-" + slot);
        if (!el) { continue; }
        var button = el.tagName === "BUTTON" ? el : el.querySelector("button") || el;
        var text = tips[action] + " (pane " + (slot + 1) + ")";
        if (button.getAttribute("title") !== text) {
          button.setAttribute("title", text);
          button.setAttribute("aria-label", text);
        }
      }
    });
  }

  // After "duplicate" the copy lands in the first empty picker: show it there (scroll the
  // pickers into view, focus the new picker and flash it), so nothing changes unseen.
  function duplicated(slot) {
    setTimeout(function () {
      var fields = config().fields;
      var last = -1;
      for (var i = 0; i < config().maxPanes; i++) {
        if (gp.modelValue(gp.readField(fields.model.elem.replace("{}", i), "text") || "")) { last = i; }
      }  // the pickers are always on the page: read them
      if (last < 0) { return; }
      var picker = document.getElementById(fields.model.elem.replace("{}", last));
      if (!picker) { return; }
      picker.scrollIntoView({ block: "nearest", behavior: "smooth" });
      picker.classList.remove("gp-flash");
      void picker.offsetWidth;  // restart the animation
      picker.classList.add("gp-flash");
      picker.setAttribute("data-duplicated-from", String(slot));
      if (blindOnScreen()) {
        // Blind until the vote: the copy's picker would say which model that pane is.
        var letter = "Model " + String.fromCharCode(65 + slot);
        picker.classList.add("gp-blind-copy");
        picker.setAttribute("data-copy-of", "copy of " + letter);
        gp.formChanged();  // the link leaves the copy out until the vote (url_state.js)
        labelButtons();
        gp.linkNote(letter + " duplicated into pane " + (last + 1) + " (its model stays hidden until you vote): " +
                    "press Run to compare them.");
      } else {
        gp.linkNote("Pane " + (slot + 1) + " duplicated into pane " + (last + 1) + ": press Run to compare them.");
      }
      setTimeout(function () { gp.formChanged(); }, 4000);  // the usual link note (or none) again
    }, 60);
  }

  function blindOnScreen() { return !!document.querySelector("#gp-panes .gp-pane .gp-blind-name"); }

  // A picker masked after a blind "+" shows its model again once the names are shown (the vote
  // or the reveal), or when the person opens it.
  function unmaskCopies(force) {
    if (!force && blindOnScreen()) { return; }
    var masked = document.querySelectorAll(".gp-model-pick.gp-blind-copy");
    for (var i = 0; i < masked.length; i++) { masked[i].classList.remove("gp-blind-copy"); }
    if (masked.length) { gp.formChanged(); }  // the copy joins the link now (url_state.js)
  }
  document.addEventListener("focusin", function (event) {
    var picker = event.target && event.target.closest && event.target.closest(".gp-model-pick.gp-blind-copy");
    if (picker) { picker.classList.remove("gp-blind-copy"); gp.formChanged(); }
  }, true);

  // ------------------------------------------------------------------ Stop and the status band
  // Stop is grey and inert while nothing runs (Esc and the button come alive with a run).
  function updateStop() {
    var stop = document.getElementById("gp-stop");
    if (!stop) { return; }
    var idle = !gp.somethingRuns();
    if (stop.classList.contains("gp-idle") !== idle) { stop.classList.toggle("gp-idle", idle); }
    var value = idle ? "true" : "false";
    if (stop.getAttribute("aria-disabled") !== value) { stop.setAttribute("aria-disabled", value); }
    var tip = idle ? "Nothing is running" : "Stop every pane (Esc)";
    if (stop.getAttribute("title") !== tip) { stop.setAttribute("title", tip); }
  }

  // The run status and the link note are one line each (playground.css): the whole text is
  // their tooltip.
  function statusTips() {
    var notes = document.querySelectorAll("#gp-run-status, #gp-url-note, #gp-link-note");
    for (var i = 0; i < notes.length; i++) {
      var text = (notes[i].textContent || "").trim();
      if (notes[i].getAttribute("title") !== text) { notes[i].setAttribute("title", text); }
    }
  }

  // ------------------------------------------------------------------ pane updates
  // Gradio patches the page on every pane update: fit the panes and label the buttons again.
  var layoutTimer = null;
  function layoutSoon() {
    if (layoutTimer) { return; }
    layoutTimer = setTimeout(function () { layoutTimer = null; fitPanes(); markWidths(); labelButtons(); updateStop(); statusTips(); unmaskCopies(false); }, 50);
  }

  var observer = new MutationObserver(layoutSoon);
  function observe() {
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }
  if (document.body) { observe(); } else { document.addEventListener("DOMContentLoaded", observe); }

  gp.updateStop = updateStop;
  gp.expand = expand;
  gp.duplicated = duplicated;
  gp.fitPanes = fitPanes;
})();
