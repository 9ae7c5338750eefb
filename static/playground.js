// Keyboard: Ctrl/Cmd+Enter runs, Esc stops. Buttons are found by their elem_id.
(function () {
  function click(id) {
    const el = document.getElementById(id);
    if (el) { (el.tagName === "BUTTON" ? el : el.querySelector("button") || el).click(); }
  }
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      click("gp-run");
    } else if (event.key === "Escape") {
      click("gp-stop");
    }
  }, true);
})();
