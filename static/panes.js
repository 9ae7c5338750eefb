// Pane content behaviour (samples, drawings); the page-level behaviour is in playground.js.
