"""Parameters, presets and validation (the one place that knows them)."""

import math

import pytest

from nrbundle.errors import InputError
from nrbundle.params import PARAM_NAMES, PRESETS, Params, get_preset, parse_overrides, parse_target


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
