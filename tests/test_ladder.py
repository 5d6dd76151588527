"""The float S16 ladder root (nrbundle.ladder) against the SymPy closed forms S18-S22, and its refusals."""

import math

import pytest

from nrbundle import InputError, get_preset
from nrbundle.analytic import closed_form
from nrbundle.ladder import bare_detuning, bare_resonance
from nrbundle.transitions import PAPER_TRANSITIONS

FIG1 = get_preset("fig1")


@pytest.mark.parametrize("t", PAPER_TRANSITIONS, ids=lambda t: t.key)
def test_root_equals_closed_form(t):
    # two independent routes: brentq on the float ladder, and the SymPy-solved S18-S22
    x = bare_resonance(FIG1, t.target, t.direction)
    assert x == pytest.approx(closed_form(FIG1, t.target, t.direction), abs=1e-12)
    assert abs(bare_detuning(FIG1, t.target, t.direction)(x)) < 1e-12


@pytest.mark.parametrize("Delta_sa", [2.0, 5.0])
def test_no_degeneracy_raises_instead_of_a_roundoff_root(Delta_sa):
    # n_a = 1: f -> Delta_sa - Delta_F - omega_m > 0 as Delta_ad -> inf, so there is no root at all
    p = FIG1.replace(Delta_sa=Delta_sa)
    with pytest.raises(InputError, match="never degenerate"):
        bare_resonance(p, (1, 0, 1), "left")


def test_two_photon_target_always_has_a_root():
    x = bare_resonance(FIG1.replace(Delta_sa=5.0), (2, 0, 1), "left")
    assert math.isfinite(x) and abs(x) < 100
