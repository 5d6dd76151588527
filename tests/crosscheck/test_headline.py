"""Headline numbers of the paper (errata 3): at the physical parameters g2_ab > g2_am (main text), not the swap."""

import pytest

from nrbundle.numeric.spectrum import avoided_crossing
from nrbundle.numeric.steady import solve_steady, steady_observables
from nrbundle.params import get_preset


@pytest.mark.slow
def test_main_text_assignment_of_headline_g2():
    p = get_preset("physical")
    g2 = {}
    for target, direction, pair in (((1, 0, 1), "right", "am"), ((1, 1, 0), "left", "ab")):  # the orange regime
        ac = avoided_crossing(p, target, direction, cutoff=5)
        o = pair[1]
        st = solve_steady(p, direction, ac.resonance, cutoff="auto",
                          observables=("n_a", f"n_{o}", f"g1_{pair}", f"g2_{pair}"))
        obs = steady_observables(st)
        assert obs["truncation_error"] < 1e-3
        g2[pair] = obs[f"g2_{pair}"]
    # main text: g2_ab = 0.49, g2_am = 0.29; Supplement: swapped. Both antibunched; ab above am.
    assert g2["ab"] < 1 and g2["am"] < 1
    assert g2["ab"] > g2["am"]
    # within 20% of the main text's digits (the paper does not state its Delta_ad; see docs/claims.md)
    assert g2["ab"] == pytest.approx(0.49, rel=0.2)
    assert g2["am"] == pytest.approx(0.29, rel=0.2)
