"""The README's ask-and-tell snippet runs as written and finds the minimum's region."""

from __future__ import annotations

import re

from tests.conftest import REPO


def test_the_readme_search_snippet_runs_and_improves():
    readme = (REPO / "README.md").read_text()
    (snippet,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "ask()" in b]
    scope: dict = {}
    exec(compile(snippet.replace("print(", "_ = ("), "README.md", "exec"), scope)  # noqa: S102
    study = scope["study"]
    assert len(study.trials) == 30
    best = study.best
    assert best.value < min(t.value for t in study.trials[:5])  # it improved on its start
    assert best.params["kind"] == "a" and abs(best.params["x"] - 1.0) < 1.0
