"""Parameters, presets and validation (the one place that knows them)."""

import math

import pytest

from nrbundle.errors import InputError
from nrbundle.params import (
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
    assert html.count("<tr>") == len(PARAM_NAMES) + 1 and "inherits kappa" in html


def test_units_of_named_quantities():
    from nrbundle.params import FREQUENCY_NAMES, describe, unit_of

    assert all(unit_of(n, "GHz") == "GHz" for n in FREQUENCY_NAMES) and unit_of("Delta_ad") == "omega_b"
    assert unit_of("g2_am") == "1" and unit_of("W1_ab") == "1" and unit_of("direction") is None
    assert "bundle" in describe("g2_ab") and "cross correlation" in describe("g1_am")
    assert "W1" in describe("W1_amsigma") and describe("nonsense") is None
    assert all(describe(n) for n in PARAM_NAMES)
