"""Parameters, presets and validation (the one place that knows them)."""

import math

import pytest
from scipy import constants

from nrbundle.errors import InputError
from nrbundle.params import (
    NOISE_NAMES,
    PAPER_PARAM_NAMES,
    PARAM_NAMES,
    PRESETS,
    Params,
    check_finite,
    check_integer,
    check_params,
    get_preset,
    parse_overrides,
    parse_target,
)


def test_physical_preset_is_fig1_scaled_by_omega_b():
    # NOTES.md: `physical` in omega_b units is `fig1` with kappa = 0.008 (2 GHz scale).
    fig1 = get_preset("fig1")
    phys = get_preset("physical").in_omega_b_units()
    for name in PARAM_NAMES:
        if name in ("kappa", "kappa_a", "kappa_b", "kappa_m"):
            continue
        assert getattr(phys, name) == pytest.approx(getattr(fig1, name), rel=1e-12), name
    assert phys.kappa == pytest.approx(0.008, rel=1e-12)
    assert phys.units == "omega_b" and get_preset("physical").units == "GHz"


def test_direction_sets_sign_of_fizeau_shift():
    p = get_preset("fig1")
    assert p.Delta_F_signed("left") == pytest.approx(+0.025)
    assert p.Delta_F_signed("right") == pytest.approx(-0.025)
    with pytest.raises(InputError, match="direction"):
        p.Delta_F_signed("up")


def test_per_mode_rates_default_to_kappa_and_override():
    p = get_preset("fig1").replace(kappa_b=0.01)
    assert p.rates == {"kappa_a": 0.005, "kappa_b": 0.01, "kappa_m": 0.005, "gamma": 0.001}


@pytest.mark.parametrize(
    "override, word",
    [
        ({"kappa": -1.0}, "kappa"),
        ({"gamma": -0.1}, "gamma"),
        ({"kappa_m": -0.1}, "kappa_m"),
        ({"Delta_F": -0.1}, "Delta_F"),
        ({"xi": 0.0}, "xi"),
        ({"omega_b": math.nan}, "omega_b"),
        ({"lambda_as": math.inf}, "lambda_as"),
        ({"omega_m": "abc"}, "omega_m"),
    ],
)
def test_bad_values_name_the_parameter(override, word):
    with pytest.raises(InputError) as info:
        get_preset("fig1").replace(**override)
    assert word in str(info.value) and "\n" not in str(info.value)


def test_unknown_names():
    with pytest.raises(InputError, match="preset"):
        get_preset("fig9")
    with pytest.raises(InputError, match="lambda_xx"):
        get_preset("fig1").replace(lambda_xx=1.0)
    with pytest.raises(InputError, match="given twice"):
        parse_overrides(["kappa=1", "kappa=2"])
    with pytest.raises(InputError, match="NAME=VALUE"):
        parse_overrides(["kappa"])


@pytest.mark.parametrize("text", ["1,0", "1,0,1,1", "a,b,c", "-1,0,1", "0,0,0", ""])
def test_malformed_targets(text):
    with pytest.raises(InputError, match="target"):
        parse_target(text)


def test_round_trip_dict():
    for p in PRESETS.values():
        assert Params.from_dict(p.to_dict()) == p
    assert parse_target("2,0,2") == (2, 0, 2)


def test_override_errors_name_the_parameter_not_a_cli_flag():
    for items, word in ((["kappa=1", "kappa=2"], "kappa: "), (["xi=nan"], "xi: "), (["kappa"], "overrides: "),
                        (["lambda_xx=1"], "overrides: ")):
        with pytest.raises(InputError) as info:
            parse_overrides(items)
        assert str(info.value).startswith(word) and "--" not in str(info.value)


# ------------------------------------------------------------------------------------ strict numbers (issue 10)
@pytest.mark.parametrize("text", ["1_0", "\uff11", "1e-400", "-2e-999", "0x10", "1,5", "", " ", "1.0.0"])
def test_number_text_that_float_would_misread_is_refused(text):
    with pytest.raises(InputError, match="^x: "):
        check_finite("x", text)


@pytest.mark.parametrize("text, value", [("1.34", 1.34), (" -2e-3 ", -2e-3), (".5", 0.5), ("5.", 5.0),
                                         ("0e-999", 0.0), ("1e-310", 1e-310), ("+7", 7.0)])
def test_plain_decimal_numbers_are_read(text, value):
    assert check_finite("x", text) == value


def test_check_integer_refuses_floats_bools_and_odd_digits():
    assert check_integer("n", "12") == 12 and check_integer("n", 3) == 3
    for bad in ("1_0", "1e3", "3.0", "\uff13", 3.9, True, None):
        with pytest.raises(InputError, match="^n: expected an integer"):
            check_integer("n", bad)
    with pytest.raises(InputError, match="^workers: must be >= 1, got 0"):
        check_integer("workers", "0", minimum=1)


def test_wrong_types_are_input_errors_naming_the_parameter():
    with pytest.raises(InputError, match="^params: expected a nrbundle Params, got str"):
        check_params("fig1")
    with pytest.raises(InputError, match="^target: "):
        parse_target("1_0,0,1")
    with pytest.raises(InputError, match="^target: "):
        parse_target((1.5, 0, 1))


def test_error_messages_never_echo_huge_arguments():
    huge = "k" * 100_000
    for call in (lambda: parse_overrides([f"{huge}=1"]), lambda: parse_target(huge), lambda: get_preset(huge),
                 lambda: check_finite("x", huge)):
        with pytest.raises(InputError) as info:
            call()
        assert len(str(info.value)) < 400


def test_params_show_the_per_mode_rates_they_inherit():
    p = get_preset("fig1").replace(kappa=0.01)
    assert p.kappa_a is None and p.inherited == ("kappa_a", "kappa_b", "kappa_m")
    assert p.resolved_rates() == {"kappa_a": 0.01, "kappa_b": 0.01, "kappa_m": 0.01}
    text = repr(p)
    assert "kappa=0.01" in text and "kappa_a=0.01 (inherits kappa)" in text and "kappa_m=0.01 (inherits kappa)" in text
    q = p.replace(kappa_b=0.2)
    assert q.inherited == ("kappa_a", "kappa_m") and q.resolved_rates()["kappa_b"] == 0.2
    assert "kappa_b=0.2," in repr(q) and "kappa_b=0.2 (inherits" not in repr(q)
    assert "units='GHz'" in repr(get_preset("physical"))
    html = p._repr_html_()
    # one row per paper parameter (the unset noise fields are not shown) and the header row
    assert html.count("<tr>") == len(PAPER_PARAM_NAMES) + 1 and "inherits kappa" in html


def test_units_of_named_quantities():
    from nrbundle.params import FREQUENCY_NAMES, describe, unit_of

    assert all(unit_of(n, "GHz") == "GHz" for n in FREQUENCY_NAMES) and unit_of("Delta_ad") == "omega_b"
    assert unit_of("g2_am") == "1" and unit_of("W1_ab") == "1" and unit_of("direction") is None
    assert "bundle" in describe("g2_ab") and "cross correlation" in describe("g1_am")
    assert "W1" in describe("W1_amsigma") and describe("nonsense") is None
    assert all(describe(n) for n in PARAM_NAMES)


# ------------------------------------------------------------------------- thermal noise and dephasing (issue 13)
def test_noise_fields_are_unset_in_the_paper_presets_and_invisible():
    for p in PRESETS.values():
        assert p.temperature is None and p.n_th_a is None and p.gamma_phi == 0.0 and p.is_noiseless
        assert p.thermal_occupations == {"n_th_a": 0.0, "n_th_b": 0.0, "n_th_m": 0.0}
        assert not any(name in repr(p) for name in NOISE_NAMES)
        # cache keys and provenance built from to_dict are those of the noiseless model as before
        assert set(p.to_dict()) == {*PAPER_PARAM_NAMES, "preset", "units"}
        assert not set(p.physics_dict()) & set(NOISE_NAMES)
    assert PARAM_NAMES == (*PAPER_PARAM_NAMES, *NOISE_NAMES)


def test_noise_fields_round_trip_and_show_when_set():
    p = get_preset("physical").replace(temperature=0.05, n_th_m=0.3, gamma_phi=0.001)
    assert Params.from_dict(p.to_dict()) == p and p.to_dict()["temperature"] == 0.05
    q = get_preset("fig1").replace(n_th_a=0.0, n_th_b=0.2)
    assert Params.from_dict(q.to_dict()) == q and "n_th_a" in q.to_dict() and "gamma_phi" not in q.to_dict()
    text = repr(p)
    assert "temperature=0.05" in text and "n_th_m=0.3," in text and "gamma_phi=0.001" in text
    assert "n_th_b=" in text and "(from temperature)" in text
    assert p._repr_html_().count("<tr>") == len(PAPER_PARAM_NAMES) + 1 + 5
    assert not p.is_noiseless and not get_preset("fig1").replace(gamma_phi=0.1).is_noiseless


@pytest.mark.parametrize(
    "override, word",
    [
        ({"n_th_a": -0.1}, "n_th_a"),
        ({"n_th_b": math.nan}, "n_th_b"),
        ({"n_th_m": "x"}, "n_th_m"),
        ({"gamma_phi": -1e-3}, "gamma_phi"),
        ({"gamma_phi": math.inf}, "gamma_phi"),
        ({"temperature": 0.01}, "temperature"),  # fig1 is in omega_b units: no physical frequency
    ],
)
def test_bad_noise_values_name_the_parameter(override, word):
    with pytest.raises(InputError) as info:
        get_preset("fig1").replace(**override)
    assert str(info.value).startswith(word + ":") and "\n" not in str(info.value)


def test_negative_or_infinite_temperature_is_refused():
    phys = get_preset("physical")
    for bad in (-0.01, math.inf, "nan"):
        with pytest.raises(InputError, match="^temperature: "):
            phys.replace(temperature=bad)


def test_temperature_gives_bose_einstein_occupations():
    from nrbundle.params import OPTICAL_FREQUENCY_GHZ, bose_einstein

    # hand value: f = 10 MHz at T = 10 mK, n = 1/(exp(h f/(k_B T)) - 1) = 20.34 (h f / k_B = 0.48 mK)
    x = constants.h * 10e6 / (constants.k * 10e-3)
    assert bose_einstein(0.01, 0.01) == pytest.approx(1.0 / (math.exp(x) - 1.0), rel=1e-12)
    assert bose_einstein(0.01, 0.01) == pytest.approx(20.3406, rel=1e-5)
    assert bose_einstein(2.0, 0.0) == 0.0
    # high-temperature limit n -> k_B T / (h f) - 1/2
    assert bose_einstein(2.0, 300.0) == pytest.approx(constants.k * 300 / (constants.h * 2e9) - 0.5, rel=1e-6)
    p = get_preset("physical").replace(temperature=0.1)
    n = p.thermal_occupations
    for key, f in (("n_th_b", 2.0), ("n_th_m", 2.1)):
        assert n[key] == pytest.approx(1.0 / math.expm1(constants.h * f * 1e9 / (constants.k * 0.1)), rel=1e-12)
    # by hand: h (2 GHz) / k_B = 95.99 mK, x = 0.9599, n = 1/(2.6114 - 1) = 0.6206
    assert n["n_th_b"] == pytest.approx(0.6206, rel=1e-3) and n["n_th_m"] < n["n_th_b"]
    # the optical mode (Cs D2, 352 THz) is empty at any lab temperature: exp(-h f/(k_B 300 K)) ~ 4e-25
    assert n["n_th_a"] == 0.0 and OPTICAL_FREQUENCY_GHZ == pytest.approx(351725.7, rel=1e-6)
    assert bose_einstein(OPTICAL_FREQUENCY_GHZ, 300.0) < 1e-24
    # an explicit occupation wins over the temperature; T = 0 is the noiseless model
    assert p.replace(n_th_b=0.0).thermal_occupations["n_th_b"] == 0.0
    assert get_preset("physical").replace(temperature=0.0).is_noiseless


def test_temperature_becomes_occupations_in_omega_b_units():
    p = get_preset("physical").replace(temperature=0.05, gamma_phi=0.004)
    q = p.in_omega_b_units()
    assert q.units == "omega_b" and q.temperature is None
    assert q.thermal_occupations == p.thermal_occupations
    assert q.gamma_phi == pytest.approx(0.002, rel=1e-12)  # a rate: divided by omega_b = 2 GHz


def test_units_of_noise_fields():
    from nrbundle.params import describe, unit_of

    assert unit_of("temperature", "GHz") == "K" and unit_of("n_th_b", "GHz") == "1"
    assert unit_of("gamma_phi", "GHz") == "GHz" and all(describe(n) for n in NOISE_NAMES)
    assert parse_overrides(["n_th_b=0.5", "gamma_phi=1e-3"]) == {"n_th_b": 0.5, "gamma_phi": 1e-3}
