"""Prompt suites: a handful of prompts run across every model, then looked at side by side.

* ``parse.py``   the suite file (JSONL or one prompt per line), bundled suites, bad lines by number
* ``run.py``     SuiteRun: one cached comparison per prompt, API answers of several prompts at once
* ``command.py`` ``gemma-playground suite run|list`` (cli.py dispatches here)
* ``log.py``     past runs, for ``suite list``

The gallery page and the Suite tab are presentation and live in ``playground/ui``
(suite_gallery.py, suite_tab.py): this package sits under the UI and the CLI, above the runner.
"""

# Nothing heavy on import: cli.py builds its parser from command.py, and `compare --help` must
# not pay for the runner. Import the modules you need (playground.suites.parse, .run).
