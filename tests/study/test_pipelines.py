"""The quick and the full pipelines agree on the points they share, within their stated truncation tolerances.

A quick run checks its cutoffs to :data:`~nrbundle.study.cutoffs.QUICK_RTOL`, a full run to
:data:`~nrbundle.study.cutoffs.CONVERGENCE_RTOL`, each by the same rule (one-level raises of every mode change every
plotted quantity by less than the tolerance), on coarser grids; their resonance tables differ by the ED cutoff
(4 versus 4, 5, 6: a few 1e-6 in Delta_ad, ~1e-3 of a line width). So wherever both evaluate a quantity they must
agree to QUICK_RTOL + CONVERGENCE_RTOL (relative). The shared points here are cheap ones: the two largest kappa of
the Fig. 3/4 sweeps (both grids end at kappa = 0.1), Fig. 1 at the regime Delta_ad, and g2_am(tau) at common delays.
"""

from __future__ import annotations

import numpy as np
import pytest

from nrbundle.params import get_preset
from nrbundle.study.cutoffs import CONVERGENCE_RTOL, FIG3_OBSERVABLES, QUICK_RTOL
from nrbundle.study.g2tau import blue_g2_tau
from nrbundle.study.kappa import kappa_sweeps
from nrbundle.study.resonances import locate_resonances, regime_Delta_ad
from nrbundle.study.spectra import FIG1_OBSERVABLES, excitation_spectra
from nrbundle.transitions import REGIME_NAMES

P = get_preset("fig1")
#: Largest relative difference of a quick and a full value of the same quantity.
AGREE = QUICK_RTOL + CONVERGENCE_RTOL
#: The shared kappa values (the top of both kappa grids; small cutoffs, so the test is quick).
KAPPAS = (0.05, 0.1)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))))


@pytest.fixture(scope="module")
def tables():
    return {q: locate_resonances(P, quick=q) for q in (True, False)}


@pytest.mark.parametrize("regime", ["orange"])
def test_kappa_sweeps_agree_on_shared_kappas(tmp_path, tables, regime):
    runs = {q: kappa_sweeps(tmp_path / ("quick" if q else "full"), params=P, quick=q, executor="serial",
                            regimes=(regime,), kappas=KAPPAS, resonances=tables[q]) for q in (True, False)}
    quick, full = (runs[q]["regimes"][regime]["sweep"] for q in (True, False))
    for name in (*FIG3_OBSERVABLES[regime], "W1_ab", "W1_am"):
        assert _relative(quick[name], full[name]) < AGREE, name
    # the quick check is looser: it never needs more levels than the full one
    for d in ("left", "right"):
        qb, fb = (runs[q]["regimes"][regime]["bands"][d][-1][1] for q in (True, False))
        assert all(a <= b for a, b in zip(qb, fb, strict=True))


@pytest.mark.slow
def test_fig1_spectra_agree_at_the_regime_delta_ad(tmp_path, tables):
    xs = sorted(regime_Delta_ad(tables[False], r)["Delta_ad"] for r in REGIME_NAMES)
    runs = {q: excitation_spectra(tmp_path / ("quick" if q else "full"), params=P, quick=q, executor="serial",
                                  grid=xs, resonances=tables[q]) for q in (True, False)}
    for name in FIG1_OBSERVABLES:
        assert _relative(runs[True]["n"][name], runs[False]["n"][name]) < AGREE, name


def test_g2_tau_agrees_at_common_delays(tmp_path, tables):
    taus = [0.0, 5.0, 20.0, 40.0]
    sweeps = {q: {"resonances": tables[q], "regimes": {}} for q in (True, False)}
    quick, full = (blue_g2_tau(P, sweeps[q], quick=q, tau=taus, work=tmp_path) for q in (True, False))
    assert _relative(quick["g2"], full["g2"]) < AGREE
    assert quick["cutoff_selection"]["truncation_error"] < QUICK_RTOL
    assert full["cutoff_selection"]["truncation_error"] < CONVERGENCE_RTOL
