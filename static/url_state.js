// The link (URL state): it carries the whole comparison (see playground/ui/url_state.py) and
// follows the form within ~100 ms (history.replaceState); in blind mode the m's are the set of
// models as picked, never which pane shows which. The form kept here is also what the page's
// Run sends (formJson).
(function () {
  "use strict";
  var gp = window.gp;
  if (!gp || gp.formJson) { return; }
  var config = gp.config;

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
      } else if (f.omit !== undefined) {  // e.g. samples: a link says n= only when it is not 1
        if (text(v) !== f.omit) { out.push([f.key, text(v)]); }
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
      // A blind "+" copy says which model its pane is: it joins the link after the vote
      // (static/layout.js unmaskCopies writes the link again then).
      var picker = fieldEl(fields.model.elem.replace("{}", slot));
      if (picker && picker.classList.contains("gp-blind-copy")) { continue; }
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

  gp.formChanged = formChanged;
  gp.fieldChanged = fieldChanged;
  gp.formJson = formJson;
  gp.formParams = formParams;
  gp.readField = readField;  // these three for layout.js (duplicated)
  gp.modelValue = modelValue;
  gp.linkNote = linkNote;
})();
