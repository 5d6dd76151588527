"""Model-level steady state with Fock-truncation control (solve_steady) and its observables."""

import json
import math
import warnings

import numpy as np
import pytest
import qutip

from nrbundle.errors import ConvergenceError, InputError, TruncationWarning
from nrbundle.numeric.correlations import bundle_g2, cross_g2
from nrbundle.numeric.model import Model, embed_state
from nrbundle.numeric.steady import (
    DEFAULT_OBSERVABLES,
    MODEL_TOL,
    MOMENT_FLOOR,
    OBSERVABLE_NAMES,
    _judge,
    _relative_change,
    model_observables,
    solve_steady,
    steady_observables,
)
from nrbundle.params import get_preset

P = get_preset("fig1")
CLI_KEYS = {"n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am", "cutoff", "residual", "truncation_error"}
#: Observables from our solver and from qutip.steadystate agree to this relative precision at cutoff 2
#: (both states are accurate to ~1e-12; the smallest observable, g2 numerators, is ~1e-6 there).
CROSS_ROUTE_RTOL = 1e-7


@pytest.fixture(scope="module")
def auto_left_134():
    """The issue's acceptance case: fig1, left drive, Delta_ad = 1.34, cutoff auto (a few seconds)."""
    return solve_steady(P, "left", 1.34, "auto")


# ------------------------------------------------------------------ cutoff = "auto"
def test_auto_raises_the_cutoffs_the_answer_needs(auto_left_134):
    s = auto_left_134
    assert s.cutoff[0] >= 5 and s.cutoff[2] >= 5  # photon and magnon of the |101-> pair
    assert s.truncation_error is not None and s.truncation_error < 1e-3
    assert all(p <= 1e-3 for p in s.top_level_population.values())
    assert s.residual <= MODEL_TOL
    assert s.history[0][0] == (3, 3, 3) and s.history[-1][0] == s.cutoff
    # the start was not good enough: bundle g2 of the resonant pair moved by more than 5 %
    g_start, g_end = s.history[0][1]["g2_am"], s.history[-1][1]["g2_am"]
    assert abs(g_start - g_end) / g_end > 0.05


def test_auto_history_raises_one_mode_at_a_time_and_reports_its_changes(auto_left_134):
    s = auto_left_134
    last_change = {}
    for (c0, o0), (c1, o1) in zip(s.history, s.history[1:], strict=False):
        diff = np.subtract(c1, c0)
        assert sorted(diff) == [0, 0, 1]
        mode = "abm"[int(np.argmax(diff))]
        last_change[mode] = max(abs(o1[k] - o0[k]) / max(abs(o1[k]), abs(o0[k])) for k in o0)
        assert set(o1) == set(DEFAULT_OBSERVABLES)
    assert last_change == pytest.approx(s.mode_changes, rel=1e-12)
    assert s.truncation_error == max(s.mode_changes.values())


def test_auto_state_observables_follow_the_cli_contract(auto_left_134):
    obs = steady_observables(auto_left_134)
    assert set(obs) == CLI_KEYS
    assert obs["cutoff"] == list(auto_left_134.cutoff)
    assert isinstance(obs["truncation_error"], float)
    json.dumps(obs)  # plain JSON types
    # the history's last entry was computed from the same state
    for k in DEFAULT_OBSERVABLES:
        assert obs[k] == pytest.approx(auto_left_134.history[-1][1][k], rel=1e-12)


def test_auto_that_needs_more_than_max_cutoff_raises_with_the_state_reached():
    with pytest.raises(ConvergenceError, match="max_cutoff=4") as exc:
        solve_steady(P, "left", 1.34, "auto", max_cutoff=4)
    state = exc.value.state
    assert max(state.cutoff) <= 4
    assert state.truncation_error >= 1e-3
    # issue 12: the error names, per mode, the observable that did not settle and its change, and the options
    msg = str(exc.value)
    assert "\n" not in msg and "raise max_cutoff (to at least 5)" in msg and "loosen rtol" in msg
    worst = max(state.mode_changes, key=state.mode_changes.get)
    name = max(state.observable_changes[worst], key=state.observable_changes[worst].get)
    assert f"mode {worst}: N_{worst} " in msg and f"changed {name} by {state.mode_changes[worst]:.3g}" in msg
    assert msg.index("raise max_cutoff") < msg.index("mode ")  # the remedy first: a shortened line keeps it
    assert not state.fallback


def test_auto_fallback_returns_the_largest_cutoff_reached_flagged_and_warned():
    """Fallback (sweeps): the state the ConvergenceError carries, returned when its truncation_error is within
    fallback_rtol; refused (the error stands, saying why) when it is not."""
    with pytest.raises(ConvergenceError) as exc:
        solve_steady(P, "left", 1.34, "auto", max_cutoff=4)
    reached = exc.value.state
    with pytest.warns(TruncationWarning, match="fallback: returned the largest cutoff reached") as rec:
        s = solve_steady(P, "left", 1.34, "auto", max_cutoff=4, fallback_rtol=0.5)
    assert len(rec) == 1
    assert s.fallback.startswith("cutoff: 'auto' did not converge") and "FALLBACK" in repr(s)
    assert s.cutoff == reached.cutoff and s.truncation_error == reached.truncation_error <= 0.5
    assert steady_observables(s) == steady_observables(reached)  # the same state, now returned
    assert set(s.mode_changes) == {"a", "b", "m"}  # every mode's truncation was measured
    tight = 0.5 * reached.truncation_error
    with pytest.raises(ConvergenceError, match=f"no fallback: truncation_error .* > fallback_rtol={tight:g}"):
        solve_steady(P, "left", 1.34, "auto", max_cutoff=4, fallback_rtol=tight)


# ------------------------------------------------------------------ how observables are judged (issue 12)
def test_judge_occupations_relative_with_an_absolute_floor():
    old = {"n_a": 0.1, "n_b": 1e-9}
    new = {"n_a": 0.1001, "n_b": 2e-9}  # n_a: 1e-3 relative; n_b doubles, but by 1e-9 quanta
    moments = {"ab": 1e-3, "am": 1e-3}
    judged, recorded, skipped = _judge(old, new, moments, MOMENT_FLOOR)
    assert judged["n_a"] == pytest.approx(1e-4 / 0.1001, rel=1e-9)
    assert recorded["n_b"] == pytest.approx(0.5) and judged["n_b"] == pytest.approx(1e-9 / MOMENT_FLOOR)
    assert skipped == {}
    judged0, _, _ = _judge(old, new, moments, 0.0)  # no floor: the relative change (the rule before issue 12)
    assert judged0 == pytest.approx(recorded)


def test_judge_pair_correlations_only_when_the_pair_is_significant():
    old = {"g1_ab": 30.0, "g2_ab": 5.0, "g1_am": 16.0, "g2_am": 0.2}
    new = {"g1_ab": 33.0, "g2_ab": 9.0, "g1_am": 16.0, "g2_am": 0.2002}
    moments = {"ab": 3e-9, "am": 1e-2}  # (a, b): 3e-9 mean pairs, below the floor; (a, m): the resonant pair
    judged, recorded, skipped = _judge(old, new, moments, MOMENT_FLOOR)
    assert set(judged) == {"g1_am", "g2_am"} and judged["g2_am"] == pytest.approx(1e-3, rel=1e-3)
    assert set(skipped) == {"g1_ab", "g2_ab"} and recorded["g2_ab"] == pytest.approx(4 / 9)
    assert "3e-09" in skipped["g2_ab"] and "moment_floor = 1e-06" in skipped["g2_ab"] and "0.44" in skipped["g2_ab"]
    # at the floor the pair is judged; NaN of an insignificant pair is not judged, of a significant one it is inf
    assert "g2_ab" in _judge(old, new, {"ab": MOMENT_FLOOR, "am": 1.0}, MOMENT_FLOOR)[0]
    nan_new = {**new, "g2_ab": math.nan, "g2_am": math.nan}
    j, _, s = _judge(old, nan_new, moments, MOMENT_FLOOR)
    assert "g2_ab" in s and math.isinf(j["g2_am"])


def test_a_dead_pair_does_not_decide_the_truncation_and_says_why():
    """lambda_ab 1000 x smaller: the (a, b) pair holds ~2e-10 mean pairs and its bundle g2 is a ratio of round-off
    (measured -1.8e4 at cutoff 3). Judged relatively it changes by 159 % under a raise of N_b and would decide the
    truncation (and block cutoff='auto' forever); under the issue-12 rule it is recorded, not judged, and named."""
    p = P.replace(lambda_ab=P.lambda_ab * 1e-3)
    with pytest.warns(TruncationWarning):  # cutoff 3 is too small for n_m (the real truncation error, ~40 %)
        s = solve_steady(p, "left", 1.3408, 3)
    assert s.pair_moments["ab"] < 1e-8 < MOMENT_FLOOR < s.pair_moments["am"]
    assert set(s.not_judged) == {"g2_ab"} and "does not decide convergence" in s.not_judged["g2_ab"]
    assert s.observable_errors["g2_ab"] > 0.5  # recorded, not hidden
    assert s.mode_changes["b"] < 1e-6  # raising N_b changes nothing that is judged (n_b ~ 4e-10 quanta)
    assert s.truncation_error == pytest.approx(s.observable_errors["n_m"], rel=1e-12)  # the physical error
    with pytest.warns(TruncationWarning, match="changes g2_ab"):
        old_rule = solve_steady(p, "left", 1.3408, 3, moment_floor=0.0)
    assert old_rule.mode_changes["b"] > 0.5 and old_rule.not_judged == {}
    out = steady_observables(s, judgement=True)
    assert out["not_judged"] == s.not_judged and out["fallback"] == "" and out["observable_errors"]["g2_ab"] > 0.5


def test_the_paper_resonance_is_judged_exactly_as_before(auto_left_134):
    """Every occupation and pair moment along the |101-> auto run is far above MOMENT_FLOOR, so each judged change
    equals the plain relative change of the rule before issue 12: same cutoffs, same numbers."""
    s = auto_left_134
    assert s.not_judged == {}
    assert min(s.pair_moments.values()) > 100 * MOMENT_FLOOR
    assert min(v for _, obs in s.history for k, v in obs.items() if k.startswith("n_")) > 100 * MOMENT_FLOOR
    for o, changes in s.observable_changes.items():
        assert s.mode_changes[o] == pytest.approx(max(changes.values()), rel=1e-12)


def test_repr_is_short_and_html_is_a_table(auto_left_134):
    s = auto_left_134
    text = repr(s)
    assert len(text) < 400 and "\n" not in text  # issue 12 item 7: never the density matrix
    assert f"cutoff={tuple(s.cutoff)}" in text and "truncation_error=" in text and "n_a=" in text
    assert text.startswith("SteadyState(left, Delta_ad=1.34,")
    page = s._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>") and len(page) < 4000
    assert str(tuple(s.cutoff)) in page and "g2_am" in page and "truncation estimate" in page


def test_auto_checks_only_the_requested_observables():
    s = solve_steady(P, "left", 1.34, "auto", observables=["n_atom"], rtol=1e-2)
    assert all(set(obs) == {"n_atom"} for _, obs in s.history)
    assert s.truncation_error < 1e-2


# ------------------------------------------------------------------ fixed cutoff
def test_fixed_cutoff_with_a_populated_top_level_warns_naming_the_mode():
    # with two levels, |n_a = 1> (the top) holds ~1 % of the population at the |101-> resonance
    with pytest.warns(TruncationWarning, match=r"mode a \(N_a=2\): 0\.00[5-9]") as rec:
        s = solve_steady(P, "left", 1.34, (2, 3, 3))
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "b (N_b" not in msg and "m (N_m" not in msg
    assert s.top_level_population["a"] > 1e-3
    # issue 9: a fixed cutoff gets a truncation estimate too (one extra solve per mode), named in the one warning
    assert s.truncation_error == max(s.mode_changes.values()) > 1e-2 and "truncation_error" in msg
    assert [c for c, _ in s.history] == [(2, 3, 3), (3, 3, 3), (2, 4, 3), (2, 3, 4)]
    assert s.cutoff == (2, 3, 3) and s.residual <= MODEL_TOL
    assert s.undefined.keys() == {"g2_ab", "g2_am"} and math.isnan(steady_observables(s)["g2_am"])


def test_fixed_cutoff_with_empty_top_levels_does_not_warn():
    # (5, 3, 3), occupations only: every top level < 1e-3 and every one-level raise changes them by < 1e-3
    # (measured 8e-4, from N_m); the bundle g2 would need (6, 4, 5) here
    occupations = ("n_a", "n_b", "n_m", "n_atom")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solve_steady(P, "right", 1.37, (5, 3, 3), observables=occupations)
    assert max(s.top_level_population.values()) < 1e-3
    assert s.history[0] == ((5, 3, 3), s.history[0][1]) and len(s.history) == 4
    assert s.truncation_error < 1e-2 and set(s.history[0][1]) == set(occupations)


def test_fixed_cutoff_hides_no_truncation_error_below_the_top_level_threshold():
    """Issue 9: cutoff 3 at the |101-> resonance keeps a top photon level of ~9e-4 (under 1e-3) while n_a is ~30 %
    low; the one-level raises expose it (truncation_error > 0.1, one warning)."""
    with pytest.warns(TruncationWarning, match="truncation_error") as rec:
        s = solve_steady(P, "left", 1.3408, 3)
    assert len(rec) == 1 and "\n" not in str(rec[0].message)
    assert max(s.top_level_population.values()) < 1e-3
    assert s.truncation_error > 0.1
    assert steady_observables(s, diagnostics=True)["error_estimate"] == s.error_estimate <= 1e-10


def test_fixed_cutoff_state_reports_its_own_observables_not_those_of_a_raise():
    # at a fixed cutoff the truncation check appends the one-level raises to the history after the state's own
    # entry: the state's observables (repr, HTML, the CLI contract) are those of its own rho at its own cutoff
    with pytest.warns(TruncationWarning):
        s = solve_steady(P, "left", 1.3408, (4, 3, 3))
    assert [tuple(h[0]) for h in s.history][0] == (4, 3, 3) and len(s.history) == 4
    direct = model_observables(s.model, s.rho_ss)
    assert s.observables["n_a"] == direct["n_a"] != s.history[-1][1]["n_a"]
    out = steady_observables(s)
    assert all(out[k] == direct[k] or (math.isnan(out[k]) and math.isnan(direct[k])) for k in OBSERVABLE_NAMES)


def test_truncation_check_can_be_skipped_for_a_chosen_cutoff():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = solve_steady(P, "right", 1.37, (4, 3, 4), truncation_check=False)
    assert s.truncation_error is None and s.history == [((4, 3, 4), s.history[0][1])]


def test_model_observables_agree_with_qutip_steadystate():
    s = solve_steady(P, "left", 1.34, 2, top_threshold=0.5, truncation_check=False)
    M = Model(P, "left", 2)
    ref = qutip.steadystate(M.H(1.34), M.c_ops)
    ours = steady_observables(s)
    a, b, m = M.ops["a"], M.ops["b"], M.ops["m"]
    theirs = {
        "n_a": qutip.expect(a.dag() * a, ref),
        "n_m": qutip.expect(m.dag() * m, ref),
        "g1_ab": cross_g2(ref, a, b),
        "g1_am": cross_g2(ref, a, m),
    }
    for k, v in theirs.items():
        assert ours[k] == pytest.approx(v, rel=CROSS_ROUTE_RTOL)
    # (a m)^2 = 0 with two levels per mode: bundle g2 is undefined there (issue 9: NaN with a reason, never 0)
    assert math.isnan(ours["g2_ab"]) and math.isnan(ours["g2_am"])
    reasons = steady_observables(s, diagnostics=True)["undefined"]
    assert set(reasons) == {"g2_ab", "g2_am"} and "O^2 = 0" in reasons["g2_am"]
    assert ours["truncation_error"] is None and ours["cutoff"] == [2, 2, 2]


def test_model_observables_uses_eq3_and_g1_definitions():
    M = Model(P, "left", 3)
    rho = qutip.tensor(qutip.fock_dm(3, 2), qutip.fock_dm(3, 1), qutip.fock_dm(3, 2), qutip.fock_dm(2, 0))
    obs = model_observables(M, rho)
    assert set(obs) == set(OBSERVABLE_NAMES)
    assert obs["n_a"] == pytest.approx(2) and obs["n_atom"] == pytest.approx(1)
    assert obs["g2_am"] == pytest.approx(1 / 4)  # (n1-1)(n2-1)/(n1 n2) for |2, 2>
    assert obs["g2_ab"] == pytest.approx(0.0, abs=1e-15)  # n_b = 1
    assert obs["g1_ab"] == pytest.approx(1.0) and obs["g1_am"] == pytest.approx(1.0)
    assert obs["g2_am"] == pytest.approx(bundle_g2(rho, M.ops["a"], M.ops["m"]))


# ------------------------------------------------------------------ refusals and input errors
@pytest.mark.parametrize("rate", ["kappa_a", "kappa_b", "kappa_m", "gamma"])
def test_zero_rate_is_refused_with_an_explanation(rate):
    with pytest.raises(InputError, match=rf"^{rate}: is 0, so .* no unique"):
        solve_steady(P.replace(**{rate: 0.0}), "left", 1.34, 3)


def test_common_kappa_zero_is_refused():
    with pytest.raises(InputError, match="kappa_a"):
        solve_steady(P.replace(kappa=0.0), "left", 1.34, "auto")


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(cutoff="three"), "cutoff"),
        (dict(cutoff=1), "cutoff"),
        (dict(observables=["g2_xy"]), "observables"),
        (dict(rtol=0.0), "rtol"),
        (dict(top_threshold=2.0), "top_threshold"),
        (dict(max_cutoff=2), "max_cutoff"),
        (dict(moment_floor=-1e-6), "moment_floor"),
        (dict(fallback_rtol=1e-4), "fallback_rtol"),
    ],
)
def test_bad_options_are_input_errors(kw, match):
    args = dict(cutoff="auto")
    args.update(kw)
    cutoff = args.pop("cutoff")
    with pytest.raises(InputError, match=match):
        solve_steady(P, "left", 1.34, cutoff, **args)


def test_bad_params_direction_and_detuning_are_input_errors():
    with pytest.raises(InputError, match="params"):
        solve_steady(P.to_dict(), "left", 1.34, 2)
    with pytest.raises(InputError, match="direction"):
        solve_steady(P, "up", 1.34, 2)
    with pytest.raises(InputError, match="Delta_ad"):
        solve_steady(P, "left", float("nan"), 2)


# ------------------------------------------------------------------ helpers
def test_embed_pads_with_zeros_and_preserves_elements():
    rng = np.random.default_rng(3)
    old, new = (2, 3, 2), (3, 3, 4)
    d_old = 2 * 2 * 3 * 2
    R = rng.normal(size=(d_old, d_old)) + 1j * rng.normal(size=(d_old, d_old))
    E = embed_state(R, old, new)
    assert E.shape == (2 * 3 * 3 * 4,) * 2
    assert np.trace(E) == pytest.approx(np.trace(R))
    back = E.reshape(3, 3, 4, 2, 3, 3, 4, 2)[:2, :3, :2, :, :2, :3, :2, :].reshape(d_old, d_old)
    assert np.array_equal(back, R)
    assert np.abs(E).sum() == pytest.approx(np.abs(R).sum())


def test_relative_change_is_the_largest_relative_difference():
    assert _relative_change({"x": 1.0, "y": 2.0}, {"x": 1.1, "y": 2.0}) == pytest.approx(0.1 / 1.1)
    assert _relative_change({"x": 0.0}, {"x": 0.0}) == 0.0
    assert math.isinf(_relative_change({"x": float("nan")}, {"x": 1.0}))


# ------------------------------------------------------------------ convergence study (slow)
#: Four pair resonances of fig1 (exact diagonalisation, cutoff 5): (direction, Delta_ad, resonant pair).
RESONANCES = [
    ("left", 1.340779, "g2_am"),
    ("right", 1.369660, "g2_am"),
    ("left", 1.369561, "g2_ab"),
    ("right", 1.398539, "g2_ab"),
]


@pytest.mark.slow
@pytest.mark.parametrize("direction, Delta_ad, pair", RESONANCES)
def test_convergence_study_cutoff_3_to_7(direction, Delta_ad, pair, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow convergence study (~20 s per resonance): run with -m slow")
    values = {}
    for N in (3, 4, 5, 6, 7):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncationWarning)
            # the study compares the cutoffs itself: the per-cutoff truncation check would only repeat it
            values[N] = steady_observables(solve_steady(P, direction, Delta_ad, N, truncation_check=False))
    g = {N: v[pair] for N, v in values.items()}
    # truncation matters: the resonant pair's bundle g2 moves by > 5 % between 3 and 6 levels ...
    assert abs(g[3] - g[6]) / g[6] > 0.05
    # ... and has converged to < 2e-3 between 6 and 7 levels
    assert abs(g[7] - g[6]) / g[7] < 2e-3
    # the automatic cutoff lands on the 7-level answer within its own error estimate (x3 safety)
    auto = solve_steady(P, direction, Delta_ad, "auto")
    obs = steady_observables(auto)
    for k in DEFAULT_OBSERVABLES:
        assert abs(obs[k] - values[7][k]) / abs(values[7][k]) < 3 * max(auto.truncation_error, 1e-4)
