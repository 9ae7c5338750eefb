// The comparison view: a word-level diff of each pane's answer against a baseline pane, and
// synced scrolling of the panes' scroll areas (.gp-body). Turned on and off by the toolbar
// (compare_events.py: setDiff, setBaseline, setSync).
//
// Model output is untrusted: the diff reads answers with textContent and writes them back with
// text nodes only, never as HTML.
(function () {
  "use strict";
  var gp = window.gp;
  if (!gp || gp.diffWords) { return; }
  var state = gp.state;

  var MAX_DIFF_WORDS = 2000;        // per side, after the common start and end are set aside

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

  // ------------------------------------------------------------------ pane updates
  // Gradio patches a pane's DOM in place on every update, which drops what applyDiff added;
  // re-apply in the same task (before paint, so no flicker), then drop our own mutation records.
  var observer = new MutationObserver(function (records) {
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

  gp.setDiff = function (on) { state.diff = !!on; diffCache.clear(); refresh(); };
  gp.setBaseline = function (index) {
    var n = Number(index);
    state.baseline = isFinite(n) ? n : 0;
    diffCache.clear();  // every diff changes at once: recompute now, not after the throttle
    refresh();
  };
  gp.setSync = function (on) { state.sync = !!on; };
  gp.diffWords = diffWords;      // exposed for the browser tests
  gp.renderDiff = renderDiff;
})();
