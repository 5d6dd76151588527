"""Notebook use: short reprs and HTML tables of the result objects, one argument order across the public API."""

from __future__ import annotations

import importlib
import inspect
from html.parser import HTMLParser

import numpy as np
import pytest
import qutip

from nrbundle.display import MAX_WIDTH, summary
from nrbundle.numeric import avoided_crossing, evolve, steadystate
from nrbundle.params import get_preset

P = get_preset("fig1")


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows = 0
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.rows += tag == "tr"
        self.cells += tag in ("td", "th")


def test_summary_never_prints_content() -> None:
    big = np.arange(10_000.0)
    assert summary(big) == "array(shape=(10000,), dtype=float64)"
    assert summary(qutip.fock_dm(50, 3)).startswith("Qobj(shape=(50, 50)")
    assert summary([1, 2, 3]) == "[1, 2, 3]"
    assert summary(list(range(100))) == "list(100 items)"
    assert summary(1.0 / 3.0) == "0.333333"
    assert summary(float("nan")) == "nan"
    assert len(summary("x" * 500)) <= MAX_WIDTH


def test_steady_state_result_repr_is_short() -> None:
    """The QuTiP-style front door's info object (it holds the state): a few hundred characters, not the matrix."""
    a = qutip.destroy(30)
    rho, info = steadystate(a.dag() * a, [np.sqrt(0.1) * a, np.sqrt(0.05) * a.dag()], return_info=True)
    text = repr(info)
    assert len(text) < 2000
    assert "rho_ss=Qobj(shape=(30, 30)" in text
    assert "error_estimate=" in text
    parser = _Cells()
    parser.feed(info._repr_html_())
    assert parser.rows >= 5 and parser.cells == 2 * parser.rows


def test_dynamics_and_crossing_repr() -> None:
    """The issue measured 35 kB for repr(Dynamics) of a Fig. 2 run; the summary stays below 2 kB."""
    d = evolve(P, "left", 1.3408, np.linspace(0.0, 200.0, 2000), cutoff=3)
    assert len(repr(d)) < 2000 and "tlist=array(shape=(2000,)" in repr(d)
    ac = avoided_crossing(P, "1,0,1", "left", cutoff=3)
    assert "resonance=" in repr(ac) and len(repr(ac)) < 2000


ORDER = ("params", "target", "direction", "Delta_ad", "cutoff")


@pytest.mark.parametrize("module", ["nrbundle", "nrbundle.numeric", "nrbundle.analytic", "nrbundle.study",
                                    "nrbundle.figures", "nrbundle.crosscheck", "nrbundle.sweep"])
def test_one_argument_order(module: str) -> None:
    """Positional parameters of every public function follow (params, target, direction, Delta_ad, cutoff)."""
    m = importlib.import_module(module)
    bad = []
    for name in m.__all__:
        obj = getattr(m, name)
        if inspect.isclass(obj) or not callable(obj):
            continue
        positional = [p.name for p in inspect.signature(obj).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in ORDER]
        if positional != sorted(positional, key=ORDER.index):
            bad.append(f"{name}{positional}")
    assert not bad, f"argument order differs from {ORDER}: {bad}"
