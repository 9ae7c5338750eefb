// gemma-playground, browser side. Loaded once in <head> (launch(head=...)), so everything here
// works on elements Gradio creates later: listeners sit on `document`, panes are found when needed.
//
//  - keyboard: Ctrl/Cmd+Enter runs, Esc stops (#gp-run / #gp-stop)
//  - diff: word-level diff of each pane's answer against a baseline pane
//  - synced scrolling of the panes' scroll areas (.gp-body)
//  - URL state: the link carries the whole comparison (see playground/ui/url_state.py) and follows
//    the form within ~100 ms (history.replaceState); in blind mode the m's are the set of models
//    as picked, never which pane shows which
//  - page layout: panes fill the rest of the viewport, a pane expands to full width and back,
//    per-pane icon buttons get their tooltips, a duplicated pane is shown where it lands
//
// Shared values (status words, limits, field ids) come from the JSON the server renders into
// <script id="gp-config"> (app.py page_config), never from copies kept here.
//
// Model output is untrusted: the diff reads answers with textContent and writes them back with
// text nodes only, never as HTML.
(function () {
  "use strict";
  if (window.gp) { return; }

  var MAX_DIFF_WORDS = 2000;        // per side, after the common start and end are set aside
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

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("#gp-run")) { state.lastRunClick = Date.now(); }
  }, true);

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !event.altKey) {
      // Capture phase on document: the prompt's own Enter handling never sees this key.
      if (click("gp-run")) {
        event.preventDefault();
        event.stopPropagation();
        state.lastRunClick = Date.now();
      }
    } else if (event.key === "Escape" && !event.defaultPrevented) {
      var active = document.activeElement;
      if (active && active.getAttribute && active.getAttribute("aria-expanded") === "true") {
        return;  // Esc closes an open dropdown list first
      }
      if (somethingRuns()) { click("gp-stop"); }
    }
  }, true);

  // ------------------------------------------------------------------ word diff
  // Words with the whitespace in front of them, so a pane's own line breaks survive the diff.
  function tokenize(text) {
    var tokens = [];
    var re = /(\s*)(\S+)/g;
    var match;
    while ((match = re.exec(text)) !== null) {
      tokens.push({ space: match[1], word: match[2] });
    }
    return tokens;
  }

  // LCS over words. Returns {ops: [{op: "=", "+", "-", "~"}, ...], truncated}. "+" is a word only
  // in `b` (the pane), "-" only in `a` (the baseline), "~" a word of `b` past the size cap (shown
  // unmarked). The common start/end are peeled off first, so the table covers only the middle.
  function diffWords(aText, bText) {
    var a = tokenize(aText), b = tokenize(bText);
    var start = 0;
    while (start < a.length && start < b.length && a[start].word === b[start].word) { start++; }
    var endA = a.length, endB = b.length;
    while (endA > start && endB > start && a[endA - 1].word === b[endB - 1].word) { endA--; endB--; }
    var ops = [];
    var i, j;
    for (i = 0; i < start; i++) { ops.push({ op: "=", space: b[i].space, word: b[i].word }); }
    var n = Math.min(endA - start, MAX_DIFF_WORDS), m = Math.min(endB - start, MAX_DIFF_WORDS);
    var truncated = (endA - start) > n || (endB - start) > m;
    // table[(i*(m+1))+j] = LCS length of a[start+i .. start+n) and b[start+j .. start+m)
    var width = m + 1;
    var table = new Uint16Array((n + 1) * width);
    for (i = n - 1; i >= 0; i--) {
      var wordA = a[start + i].word;
      for (j = m - 1; j >= 0; j--) {
        table[i * width + j] = wordA === b[start + j].word
          ? table[(i + 1) * width + j + 1] + 1
          : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
      }
    }
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i].word === b[start + j].word) {
        ops.push({ op: "=", space: b[start + j].space, word: b[start + j].word }); i++; j++;
      } else if (i < n && (j >= m || table[(i + 1) * width + j] >= table[i * width + j + 1])) {
        ops.push({ op: "-", space: " ", word: a[start + i].word }); i++;  // old words before new ones
      } else {
        ops.push({ op: "+", space: b[start + j].space, word: b[start + j].word }); j++;
      }
    }
    if (truncated) {
      for (j = start + m; j < endB; j++) { ops.push({ op: "~", space: b[j].space, word: b[j].word }); }
    }
    for (j = endB; j < b.length; j++) { ops.push({ op: "=", space: b[j].space, word: b[j].word }); }
    return { ops: ops, truncated: truncated };
  }

  // ops → DOM (text nodes only). Runs of one kind share an element; the whitespace in front of a
  // run stays outside its highlight.
  function renderDiff(result, baselineNumber) {
    var root = document.createElement("div");
    root.className = "gp-diff";
    var added = 0, removed = 0;
    var summary = document.createElement("div");
    summary.className = "gp-diff-summary";
    root.appendChild(summary);
    var body = document.createElement("div");
    body.className = "gp-diff-text";
    root.appendChild(body);
    var ops = result.ops;
    var k = 0;
    while (k < ops.length) {
      var kind = ops[k].op;
      var text = "";
      var first = true;
      var lead = k === 0 ? "" : ops[k].space;
      while (k < ops.length && ops[k].op === kind) {
        text += (first ? "" : ops[k].space) + ops[k].word;
        if (kind === "+") { added++; } else if (kind === "-") { removed++; }
        first = false;
        k++;
      }
      if (lead) { body.appendChild(document.createTextNode(lead)); }
      if (kind === "=") {
        body.appendChild(document.createTextNode(text));
      } else {
        var tag = kind === "+" ? "ins" : kind === "-" ? "del" : "span";
        var el = document.createElement(tag);
        el.className = kind === "+" ? "gp-ins" : kind === "-" ? "gp-del" : "gp-diff-skipped";
        el.textContent = text;
        body.appendChild(el);
      }
    }
    summary.textContent = "vs Pane " + baselineNumber + ": +" + added + " / −" + removed + " words" +
      (result.truncated ? " · diff limited to the first " + MAX_DIFF_WORDS + " differing words; the rest is unmarked" : "");
    root.setAttribute("data-added", String(added));
    root.setAttribute("data-removed", String(removed));
    return root;
  }

  function answerText(answer) {
    // The raw answer (markdown and all) that the server put in an inert <template> next to the
    // rendered one; else the rendered text, without anything this script put inside it.
    var raw = answer.parentNode && answer.parentNode.querySelector(":scope > template.gp-raw");
    if (raw && raw.hasAttribute("data-text")) { return raw.getAttribute("data-text"); }
    if (raw) { return raw.content ? raw.content.textContent : raw.textContent; }
    var text = "";
    for (var c = answer.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1 && c.classList.contains("gp-diff")) { continue; }
      text += c.textContent;
    }
    return text;
  }

  // pane index → {key, result, at}. Panes re-render up to 10×/s while streaming: a pane's diff
  // is recomputed at most every RECOMPUTE_MS (the previous one stays on screen meanwhile, and a
  // timer makes sure the last text gets its diff).
  var RECOMPUTE_MS = 300;
  var diffCache = new Map();
  var refreshTimer = null;

  function clearAnswerDiff(pane) {
    var answer = pane.querySelector(".gp-answer");
    if (!answer) { return; }
    answer.classList.remove("gp-diffing");
    var old = answer.querySelectorAll(":scope > .gp-diff");
    for (var i = 0; i < old.length; i++) { old[i].remove(); }
  }

  function setMark(pane, text) {  // text null: no mark
    var head = pane.querySelector(".gp-head");
    if (!head) { return; }
    var existing = head.querySelector(":scope > .gp-diff-mark");
    if (existing && existing.textContent === text) { return; }
    if (existing) { existing.remove(); }
    if (text === null) { return; }
    var span = document.createElement("span");
    span.className = "gp-diff-mark";
    span.textContent = text;
    head.appendChild(span);
  }

  function scheduleRefresh(delay) {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, Math.max(0, delay));
  }

  function applyDiff() {
    var panes = document.querySelectorAll(".gp-pane[data-pane]");
    var p;
    if (!state.diff) {
      for (p = 0; p < panes.length; p++) { clearAnswerDiff(panes[p]); setMark(panes[p], null); }
      return;
    }
    var base = null;
    for (p = 0; p < panes.length; p++) {
      if (Number(panes[p].getAttribute("data-pane")) === state.baseline) { base = panes[p]; }
    }
    var baseAnswer = base && base.querySelector(".gp-answer");
    var baseText = baseAnswer ? answerText(baseAnswer) : null;
    var baseNumber = state.baseline + 1;
    for (p = 0; p < panes.length; p++) {
      var pane = panes[p];
      var index = Number(pane.getAttribute("data-pane"));
      var answer = pane.querySelector(".gp-answer");
      if (pane === base) {
        clearAnswerDiff(pane);
        setMark(pane, "diff baseline");
        continue;
      }
      if (baseText === null) {
        clearAnswerDiff(pane);
        setMark(pane, base ? "no diff: Pane " + baseNumber + " has no answer yet"
                           : "no diff: Pane " + baseNumber + " is not shown");
        continue;
      }
      setMark(pane, null);
      if (!answer) { continue; }  // this pane has no answer (yet): nothing to compare
      var key = baseNumber + "\u0000" + baseText + "\u0000" + answerText(answer);
      var cached = diffCache.get(index);
      if (!cached || cached.key !== key) {
        var wait = cached ? RECOMPUTE_MS - (Date.now() - cached.at) : 0;
        if (wait > 0) {
          scheduleRefresh(wait);
        } else {
          cached = { key: key, result: diffWords(baseText, answerText(answer)), at: Date.now() };
          diffCache.set(index, cached);
        }
      }
      var shown = answer.querySelector(":scope > .gp-diff");
      if (shown && shown.__gpKey === cached.key && answer.classList.contains("gp-diffing")) { continue; }
      if (shown) { shown.remove(); }
      var node = renderDiff(cached.result, baseNumber);
      node.__gpKey = cached.key;
      answer.appendChild(node);
      answer.classList.add("gp-diffing");
    }
  }

  // ------------------------------------------------------------------ synced scrolling
  var expected = new WeakMap();  // .gp-body → scrollTop we set (its scroll event is not the user's)

  document.addEventListener("scroll", function (event) {
    var source = event.target;
    if (!state.sync || !source || !source.classList || !source.classList.contains("gp-body")) { return; }
    if (expected.has(source)) {
      var want = expected.get(source);
      expected.delete(source);
      if (Math.abs(source.scrollTop - want) <= 2) { return; }
    }
    var range = source.scrollHeight - source.clientHeight;
    var ratio = range > 0 ? source.scrollTop / range : 0;
    var bodies = document.querySelectorAll(".gp-pane .gp-body");
    for (var i = 0; i < bodies.length; i++) {
      var body = bodies[i];
      if (body === source) { continue; }
      var top = Math.round(ratio * Math.max(0, body.scrollHeight - body.clientHeight));
      if (Math.abs(body.scrollTop - top) > 1) {
        body.scrollTop = top;
        expected.set(body, body.scrollTop);
      }
    }
  }, true);

  // ------------------------------------------------------------------ URL state
  var urlTimer = null;

  function fieldEl(id) { return document.getElementById(id); }

  function readField(elem, kind) {
    var root = fieldEl(elem);
    if (!root) { return null; }
    if (kind === "check") {
      var box = root.querySelector("input[type=checkbox]");
      return box ? box.checked : null;
    }
    if (kind === "slider") {
      var num = root.querySelector("input[type=number]") || root.querySelector("input");
      return num ? num.value : null;
    }
    var input = root.querySelector("textarea") || root.querySelector("input");
    return input ? input.value : null;
  }

  function modelValue(label) {  // a picker shows the label; the link carries the model id
    var models = config().models;
    for (var i = 0; i < models.length; i++) { if (models[i][0] === label) { return models[i][1]; } }
    for (i = 0; i < models.length; i++) { if (models[i][1] === label) { return models[i][1]; } }
    return "";
  }

  // The whole form, field name → value: the server's initial values (config().initial), then
  // every change Gradio reports (fieldChanged). Fields in a closed menu are not in the page, so
  // the script never reads them from the DOM.
  var form = null;
  var formSeen = false;  // a field changed since load: the link is worth writing

  function formState() {
    if (!form) {
      form = {};
      var initial = config().initial || {};
      Object.keys(initial).forEach(function (k) { form[k] = initial[k]; });
    }
    return form;
  }

  function fieldChanged(name, value) {
    formState()[name] = name === "image" ? !!value : value;
    formSeen = true;
    formChanged();
  }

  function formJson() {
    var values = formState();
    var prompt = document.querySelector("#gp-prompt textarea");  // always on the page: never behind
    if (prompt) { values.prompt = prompt.value; }
    var out = {};
    Object.keys(values).forEach(function (k) { if (k !== "image") { out[k] = values[k]; } });
    return JSON.stringify(out);
  }

  // The form as the link carries it: [[key, value], ...] in a stable order.
  function formParams() {
    var fields = config().fields;
    var values = formState();
    var out = [];
    var i, f, v;
    function text(value) { return value === null || value === undefined ? "" : String(value).trim(); }
    for (i = 0; i < fields.shared.length; i++) {
      f = fields.shared[i];
      v = values[f.name];
      if (v === null || v === undefined) { continue; }
      if (f.kind === "check") {
        if (f.name === "blind") { if (v) { out.push([f.key, "1"]); } } else { out.push([f.key, v ? "1" : "0"]); }
      } else if (f.name === "samples") {
        if (text(v) !== "1") { out.push([f.key, text(v)]); }
      } else if (f.name === "prompt" || f.name === "system") {
        if (text(v) !== "") { out.push([f.key, String(v)]); }
      } else if (text(v) !== "") {
        out.push([f.key, text(v)]);
      }
    }
    var number = 0;
    for (var slot = 0; slot < config().maxPanes; slot++) {
      var model = text(values["model_" + slot]);
      if (!model) { continue; }
      number++;
      out.push([fields.model.key, model]);
      for (var j = 0; j < fields.pane.length; j++) {
        f = fields.pane[j];
        v = text(values[f.name + "_" + slot]);
        if (v === "" || v === "default") { continue; }
        out.push([f.key + number, v]);
      }
    }
    if (values.image) { out.push([fields.image.key, "1"]); }
    return out;
  }

  function linkNote(text) {
    var note = document.getElementById("gp-link-note");
    if (!note) {
      var band = document.getElementById("gp-status-row");
      if (!band) { return; }
      note = document.createElement("div");
      note.id = "gp-link-note";
      band.appendChild(note);
    }
    note.textContent = text;
    note.style.display = text ? "" : "none";
  }

  function writeUrl() {
    var fields = config().fields;
    if (!fields) { return; }
    var url = new URL(window.location.href);
    var keep = [];  // parameters that are not ours (e.g. __theme) stay
    var ours = {};
    fields.shared.forEach(function (f) { ours[f.key] = 1; });
    ours[fields.model.key] = 1; ours[fields.image.key] = 1; ours.run = 1;
    url.searchParams.forEach(function (value, key) {
      var base = key.replace(/[0-9]+$/, "");
      var pane = fields.pane.some(function (f) { return f.key === base; }) && base !== key;
      if (!ours[key] && !pane) { keep.push([key, value]); }
    });
    var params = formParams();
    function build(list) {
      var p = new URLSearchParams();
      keep.concat(list).forEach(function (kv) { p.append(kv[0], kv[1]); });
      var query = p.toString();
      return url.pathname + (query ? "?" + query : "") + url.hash;
    }
    var next = build(params);
    var cap = config().maxUrlChars;
    var note = "";
    if (window.location.origin.length + next.length > cap) {
      var short = params.filter(function (kv) { return kv[0] !== "q" && kv[0] !== "sys"; });
      next = build(short);
      note = "The prompt is too long for the link (a link holds " + cap + " characters): " +
             "the link carries the models and settings only.";
      if (window.location.origin.length + next.length > cap) { note = "This comparison is too long for a link."; }
    }
    linkNote(note);
    if (next !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(window.history.state, "", next);
    }
  }

  function formChanged() {
    // Coalesced: typing must not hit the browser's replaceState rate limit.
    if (!formSeen) { return; }
    if (urlTimer) { clearTimeout(urlTimer); }
    urlTimer = setTimeout(function () {
      urlTimer = null;
      try { writeUrl(); } catch (err) { /* a URL is a convenience */ }
    }, 80);
  }

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

  function expand(slot) {
    var row = document.getElementById("gp-panes");
    if (!row) { return; }
    var target = document.getElementById("gp-slot-" + slot);
    var on = !(target && target.classList.contains("gp-expanded"));
    var slots = row.querySelectorAll(".gp-pane-slot");
    for (var i = 0; i < slots.length; i++) { slots[i].classList.toggle("gp-expanded", on && slots[i] === target); }
    row.classList.toggle("gp-has-expanded", on);
    var button = document.getElementById("gp-expand-" + slot);
    if (button) { button.setAttribute("aria-pressed", on ? "true" : "false"); }
  }

  function labelButtons() {
    // A picker's full model name on hover (the box may be narrower than the name).
    var picks = document.querySelectorAll(".gp-model-pick input");
    for (var p = 0; p < picks.length; p++) {
      if (picks[p].getAttribute("title") !== picks[p].value) { picks[p].setAttribute("title", picks[p].value); }
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
        if (modelValue(readField(fields.model.elem.replace("{}", i), "text") || "")) { last = i; }
      }  // the pickers are always on the page: read them
      if (last < 0) { return; }
      var picker = document.getElementById(fields.model.elem.replace("{}", last));
      if (!picker) { return; }
      picker.scrollIntoView({ block: "nearest", behavior: "smooth" });
      picker.classList.remove("gp-flash");
      void picker.offsetWidth;  // restart the animation
      picker.classList.add("gp-flash");
      picker.setAttribute("data-duplicated-from", String(slot));
      linkNote("Pane " + (slot + 1) + " duplicated into pane " + (last + 1) + ": press Run to compare them.");
      setTimeout(function () { formChanged(); }, 4000);  // the usual link note (or none) again
    }, 60);
  }

  // ------------------------------------------------------------------ pane updates
  // Gradio patches a pane's DOM in place on every update, which drops what applyDiff added;
  // re-apply in the same task (before paint, so no flicker), then drop our own mutation records.
  var layoutTimer = null;
  function layoutSoon() {
    if (layoutTimer) { return; }
    layoutTimer = setTimeout(function () { layoutTimer = null; fitPanes(); labelButtons(); }, 50);
  }

  var observer = new MutationObserver(function (records) {
    layoutSoon();
    if (!state.diff) { return; }
    for (var i = 0; i < records.length; i++) {
      var node = records[i].target;
      var el = node.nodeType === 1 ? node : node.parentElement;
      if (el && el.closest && el.closest(".gp-pane")) {
        applyDiff();
        observer.takeRecords();
        return;
      }
    }
  });

  // The raw answer comes in the template's data-text attribute (Gradio's in-place patching of a
  // gr.HTML updates attributes but never a <template>'s content); mirror it into the content, so
  // the template always holds the answer now on screen, never an earlier (or unmasked) one.
  function syncRawAnswers() {
    var raws = document.querySelectorAll("template.gp-raw[data-text]");
    for (var i = 0; i < raws.length; i++) {
      var text = raws[i].getAttribute("data-text");
      if (raws[i].content.textContent !== text) { raws[i].content.textContent = text; }
    }
  }
  var rawObserver = new MutationObserver(syncRawAnswers);

  function observe() {
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    rawObserver.observe(document.body, { childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["data-text"] });
  }
  if (document.body) { observe(); } else { document.addEventListener("DOMContentLoaded", observe); }

  function refresh() {
    applyDiff();
    observer.takeRecords();
  }

  window.gp = {
    setDiff: function (on) { state.diff = !!on; diffCache.clear(); refresh(); },
    setBaseline: function (index) {
      var n = Number(index);
      state.baseline = isFinite(n) ? n : 0;
      diffCache.clear();  // every diff changes at once: recompute now, not after the throttle
      refresh();
    },
    setSync: function (on) { state.sync = !!on; },
    formChanged: formChanged,
    fieldChanged: fieldChanged,
    formJson: formJson,
    formParams: formParams,
    expand: expand,
    duplicated: duplicated,
    fitPanes: fitPanes,
    config: config,
    diffWords: diffWords,      // exposed for the browser tests
    renderDiff: renderDiff,
    state: state,
  };
})();

// PNG download of a drawing: the browser draws the (sanitized) SVG image it shows onto a canvas,
// so the PNG is exactly what is on screen and the server renders nothing for it.
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.gp-png-link");
    if (!link) { return; }
    event.preventDefault();
    var figure = link.closest("figure");
    var img = figure && figure.querySelector("img.gp-svg");
    if (!img) { return; }
    var source = new Image();
    source.onload = function () {
      var size = 1024;
      var ratio = (source.naturalWidth && source.naturalHeight) ? source.naturalWidth / source.naturalHeight : 1;
      var canvas = document.createElement("canvas");
      canvas.width = ratio >= 1 ? size : Math.round(size * ratio);
      canvas.height = ratio >= 1 ? Math.round(size / ratio) : size;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
      var a = document.createElement("a");
      a.download = link.getAttribute("data-name") || "drawing.png";
      a.href = canvas.toDataURL("image/png");
      document.body.appendChild(a);
      a.click();
      a.remove();
    };
    source.src = img.src;
  });
})();
