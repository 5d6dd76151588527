"""Every documented shell example runs as written: README.md's "Other commands", the shell blocks of docs/cli.md
and of docs/tutorial.md (its Python blocks are run by tests/test_tutorial.py).

Each command is taken from the documentation text (continuation lines joined, trailing comments dropped), run in a
fresh temporary folder with the installed ``nrbundle`` console script, and must exit 0; ``--json`` output must be
JSON, and files the command documents (``--latex``, ``--out``, the run folders) must exist. The cheap commands run
in the default suite; the long ones (the auto-cutoff steady state, the crosscheck, sweeps, figures and reproduce:
minutes each) are marked slow and run exactly as written.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Subcommands that take minutes as documented (run in the slow set).
LONG_COMMANDS: frozenset[str] = frozenset({"crosscheck", "sweep", "figures", "reproduce"})
#: Seconds a cheap example may take (a few seconds of work plus the import of SymPy and QuTiP).
CHEAP_TIMEOUT_S = 180
#: Seconds a long example may take (the README's crosscheck is about 3 minutes, a full reproduce about 11).
LONG_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Example:
    """One documented command: where it is written and its arguments (after ``nrbundle``)."""

    source: str
    line: int
    args: tuple[str, ...]

    @property
    def command(self) -> str:
        return self.args[0] if self.args else ""

    @property
    def long(self) -> bool:
        """Minutes as documented: the long subcommands, and a steady state with the automatic cutoff."""
        if self.command in LONG_COMMANDS:
            return True
        if self.command == "steady":
            a = list(self.args)
            return "--cutoff" not in a or a[a.index("--cutoff") + 1] == "auto"
        return False

    @property
    def id(self) -> str:
        return f"{self.source}:{self.line}:{' '.join(self.args[:2])}"


def _shell_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, body)`` of every fenced bash/sh/shell/console block."""
    out = []
    for m in re.finditer(r"^```(?:bash|sh|shell|console)[ \t]*\n(.*?)^```", text, flags=re.S | re.M):
        out.append((text[:m.start(1)].count("\n") + 1, m.group(1)))
    return out


def _commands(source: str, first_line: int, body: str) -> list[Example]:
    """The ``nrbundle ...`` commands of one shell block (continuations joined, comments and prompts dropped)."""
    found, buf, start = [], "", first_line
    for i, raw in enumerate(body.splitlines()):
        if not buf:
            start = first_line + i
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        full = (buf + line).strip()
        buf = ""
        full = full.removeprefix("$ ").strip()
        if "&&" in full or "|" in full.split("#")[0]:
            continue  # install lines and pipelines are not examples of a command
        words = shlex.split(full, comments=True)
        if words[:1] == ["nrbundle"]:
            found.append(Example(source, start, tuple(words[1:])))
        elif words[:3] in (["python", "-m", "nrbundle"], ["python3", "-m", "nrbundle"]):
            found.append(Example(source, start, tuple(words[3:])))
    return found


def documented_examples() -> list[Example]:
    """README.md "Other commands", every shell block of docs/cli.md and docs/tutorial.md (each distinct command
    once)."""
    examples: list[Example] = []
    readme = (ROOT / "README.md").read_text()
    head = readme.index("## Other commands")
    end = readme.find("\n## ", head + 1)
    section = readme[head:end if end >= 0 else len(readme)]
    offset = readme[:head].count("\n")
    for line, body in _shell_blocks(section):
        examples += _commands("README.md", offset + line, body)
    for doc in ("docs/cli.md", "docs/tutorial.md"):
        path = ROOT / doc
        if path.exists():
            for line, body in _shell_blocks(path.read_text()):
                examples += _commands(doc, line, body)
    unique: dict[tuple[str, ...], Example] = {}
    for ex in examples:  # a command documented twice, word for word, runs once
        unique.setdefault(ex.args, ex)
    return list(unique.values())


EXAMPLES = documented_examples()


def _param(ex: Example) -> pytest.param:
    return pytest.param(ex, id=ex.id, marks=[pytest.mark.slow] if ex.long else [])


def test_the_documentation_has_examples():
    sources = {ex.source for ex in EXAMPLES}
    assert "README.md" in sources and len([ex for ex in EXAMPLES if ex.source == "README.md"]) >= 8
    assert any(not ex.long for ex in EXAMPLES) and any(ex.long for ex in EXAMPLES)


def _nrbundle() -> list[str]:
    exe = shutil.which("nrbundle")
    return [exe] if exe else [sys.executable, "-m", "nrbundle"]


def _outputs(ex: Example, cwd: Path) -> list[Path]:
    """Files or folders the example says it writes."""
    a = list(ex.args)
    paths = []
    for flag in ("--latex", "--out"):
        if flag in a:
            paths.append(cwd / a[a.index(flag) + 1])
    if ex.command in ("dynamics", "trajectory") and "--out" not in a:
        paths.append(cwd / "nrbundle-out" / "runs")
    return paths


@pytest.mark.parametrize("ex", [_param(ex) for ex in EXAMPLES])
def test_documented_example_runs_as_written(ex: Example, tmp_path: Path):
    if "--pdf" in ex.args and shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (.ci/run installs it)")
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(_nrbundle() + list(ex.args), cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=LONG_TIMEOUT_S if ex.long else CHEAP_TIMEOUT_S)
    assert proc.returncode == 0, f"{ex.id}: exit {proc.returncode}\n{proc.stderr[-3000:]}"
    if "--json" in ex.args:
        json.loads(proc.stdout)
    for p in _outputs(ex, tmp_path):
        assert p.exists(), f"{ex.id}: {p} not written"
    if ex.command == "sweep":  # a sweep that exits 0 has every point: no NaN left in its arrays
        with np.load(tmp_path / ex.args[ex.args.index("--out") + 1] / "result.npz") as data:
            for name in data.files:
                if data[name].dtype.kind == "f":
                    assert not np.isnan(data[name]).any(), f"{ex.id}: NaN in {name}"
