"""Model parameters, presets, drive direction, validation and the units of named quantities: the one place that
knows them.

Conventions (see ``docs/conventions.md``): hbar = 1; frequencies in units of the mechanical
frequency omega_b unless the preset says otherwise (``physical`` is in GHz, all values /2pi);
``Delta_F`` is the *magnitude* of the Sagnac-Fizeau shift, the drive direction supplies its sign
(left -> +|Delta_F|, right -> -|Delta_F|, resonator spinning counter-clockwise).
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .errors import InputError

__all__ = [
    "Params",
    "PARAM_NAMES",
    "RATE_NAMES",
    "PRESETS",
    "DIRECTIONS",
    "Direction",
    "get_preset",
    "check_direction",
    "fizeau_sign",
    "parse_overrides",
    "parse_target",
    "check_finite",
    "check_integer",
    "check_params",
    "FREQUENCY_NAMES",
    "DIMENSIONLESS_NAMES",
    "QUANTITIES",
    "unit_of",
    "describe",
]

Direction = Literal["left", "right"]
DIRECTIONS: tuple[str, ...] = ("left", "right")

#: Parameter names accepted by ``Params.replace`` and ``--set`` (paper notation, Eq. 1-2).
PARAM_NAMES: tuple[str, ...] = (
    "omega_b",
    "omega_m",
    "Delta_sa",
    "Delta_F",
    "lambda_as",
    "lambda_ab",
    "lambda_am",
    "xi",
    "gamma",
    "kappa",
    "kappa_a",
    "kappa_b",
    "kappa_m",
)
#: Names that are decay rates and must be >= 0.
RATE_NAMES: tuple[str, ...] = ("gamma", "kappa", "kappa_a", "kappa_b", "kappa_m")
#: Per-mode decay rates that inherit ``kappa`` when ``None`` (S3).
_MODE_RATES: tuple[str, ...] = ("kappa_a", "kappa_b", "kappa_m")

#: Quantities measured in the frequency unit of a parameter set (:attr:`Params.units`: omega_b, or GHz with values
#: omega/2pi): every parameter of Eq. (1)-(2) and the drive detuning of Eq. (1).
FREQUENCY_NAMES: tuple[str, ...] = (*PARAM_NAMES, "Delta_ad")
#: Dimensionless quantities of the steady-state contract (occupations, correlations, error measures).
DIMENSIONLESS_NAMES: tuple[str, ...] = (
    "n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am", "residual", "truncation_error",
    "error_estimate",
)
#: What each named quantity is (parameters, sweep axes, the keys of ``nrbundle steady``): for data files and tables.
QUANTITIES: dict[str, str] = {
    "omega_b": "mechanical (phonon) frequency omega_b",
    "omega_m": "magnon frequency omega_m",
    "Delta_sa": "atom-cavity detuning Delta_{sigma a} (S11)",
    "Delta_F": "magnitude |Delta_F| of the Sagnac-Fizeau shift (the drive direction gives its sign)",
    "lambda_as": "Jaynes-Cummings coupling of atom and cavity photons (S7)",
    "lambda_ab": "optomechanical (photon-phonon) linear coupling (S7)",
    "lambda_am": "optomagnonic (photon-magnon) linear coupling (S7)",
    "xi": "effective atomic drive (S7)",
    "gamma": "atomic decay rate",
    "kappa": "common decay rate of photons, phonons and magnons (Eq. 2)",
    "kappa_a": "decay rate of the cavity photons a (S3; kappa when not set)",
    "kappa_b": "decay rate of the phonons b (S3; kappa when not set)",
    "kappa_m": "decay rate of the magnons m (S3; kappa when not set)",
    "Delta_ad": "drive detuning Delta_ad (Eq. 1)",
    "direction": "drive direction (left: +|Delta_F|, right: -|Delta_F|)",
    "cutoff": "Fock levels kept per mode",
    "n_a": "mean cavity photon number <a^dag a>",
    "n_b": "mean phonon number <b^dag b>",
    "n_m": "mean magnon number <m^dag m>",
    "n_atom": "atomic excitation <sigma^dag sigma>",
    "g1_ab": "photon-phonon cross correlation g^(2)_{1,ab}(0) (Fig. 3)",
    "g1_am": "photon-magnon cross correlation g^(2)_{1,am}(0) (Fig. 3)",
    "g2_ab": "photon-phonon bundle correlation g^(2)_{2,ab}(0) (Eq. 3; < 1: antibunched pairs)",
    "g2_am": "photon-magnon bundle correlation g^(2)_{2,am}(0) (Eq. 3; < 1: antibunched pairs)",
    "residual": "relative Liouvillian residual of the steady state",
    "truncation_error": "largest relative change of an observable when one mode gets one more Fock level",
    "error_estimate": "estimated error of the steady-state density matrix (Frobenius norm)",
}


def unit_of(name: str, units: str | None = "omega_b") -> str | None:
    """The unit of the named quantity in a parameter set whose frequencies are in ``units``.

    ``units`` (``"omega_b"`` or ``"GHz"``, :attr:`Params.units`) for :data:`FREQUENCY_NAMES`, ``"1"`` for
    :data:`DIMENSIONLESS_NAMES` and the QFI witnesses ``W1_<partition>``/``D1_<partition>`` (Eq. 4), ``None``
    for anything else (or for a frequency when ``units`` is ``None``).
    """
    if name in FREQUENCY_NAMES:
        return units
    if name in DIMENSIONLESS_NAMES or name.startswith(("W1_", "D1_")):
        return "1"
    return None


def describe(name: str) -> str | None:
    """What the named quantity is (:data:`QUANTITIES`; the witnesses ``W1_<p>``, ``D1_<p>`` of Eq. 4 too), or
    ``None``."""
    if name in QUANTITIES:
        return QUANTITIES[name]
    head, _, partition = name.partition("_")
    if head == "W1" and partition:
        return f"QFI entanglement witness W1 of the partition {partition} (Eq. 4; > 0: entangled)"
    if head == "D1" and partition:
        return f"D1 = max(0, W1) of the partition {partition} (Eq. 4, Fig. 4)"
    return None


#: A decimal number as the command line accepts it: ASCII digits, optional sign, point and exponent; no
#: underscores or other digit forms that Python's ``float`` would take (``1_0``, full-width digits).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.ASCII | re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a finite float, or raise :class:`InputError` naming ``name``.

    Text must be a plain decimal number (``1.34``, ``-2e-3``): underscores, non-ASCII digits and numbers that
    underflow to zero (``1e-400``) are refused rather than read as something else.
    """
    if isinstance(value, str):
        text = value.strip()
        if _NON_FINITE.fullmatch(text):
            raise InputError(f"{name}: must be finite, got {_short(value)}")
        if not _NUMBER.fullmatch(text):
            raise InputError(f"{name}: expected a number, got {_short(value)}")
        x = float(text)
        mantissa = text.lower().partition("e")[0]
        if x == 0.0 and any(c in "123456789" for c in mantissa):
            raise InputError(f"{name}: {_short(value)} is too small for a double-precision number (it would be 0)")
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{name}: expected a number, got {_short(value)}") from None
    if not math.isfinite(x):
        raise InputError(f"{name}: must be finite, got {_short(value)}")
    return x


def check_integer(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int (ASCII decimal text or an integer, never a float or bool), at least ``minimum``.

    Raises
    ------
    InputError
        Naming ``name``: ``"points: expected an integer, got '1e3'"``, ``"workers: must be >= 1, got 0"``.
    """
    if isinstance(value, str):
        if not _INTEGER.fullmatch(value.strip()):
            raise InputError(f"{name}: expected an integer, got {_short(value)}")
        n = int(value.strip())
    elif _is_integer(value):
        n = int(value)
    else:
        raise InputError(f"{name}: expected an integer, got {_short(value)}")
    if minimum is not None and n < minimum:
        raise InputError(f"{name}: must be >= {minimum}, got {n}")
    return n


def check_params(params: Any, name: str = "params") -> Params:
    """Return ``params`` if it is a :class:`Params`; otherwise raise :class:`InputError` naming ``name``."""
    if not isinstance(params, Params):
        hint = "; get one with nrbundle.get_preset(name)" if isinstance(params, str) else ""
        raise InputError(f"{name}: expected a nrbundle Params, got {type(params).__name__}{hint}")
    return params


@dataclass(frozen=True)
class Params:
    """Parameters of Eq. (1)-(2) (and S3 for per-mode decay rates).

    Parameters
    ----------
    omega_b, omega_m
        Mechanical and magnon frequencies.
    Delta_sa
        Atom-cavity detuning Delta_{sigma a} = Delta_{sigma d} - Delta_ad (S11).
    Delta_F
        Magnitude |Delta_F| of the Sagnac-Fizeau shift; the sign comes from the drive direction.
    lambda_as, lambda_ab, lambda_am
        Jaynes-Cummings, optomechanical and optomagnonic linear couplings (S7).
    xi
        Effective atomic drive (S7), > 0.
    gamma
        Atomic decay rate.
    kappa
        Common decay rate of a, b, m (Eq. 2); ``kappa_a``, ``kappa_b``, ``kappa_m`` override it per
        mode (S3) when not ``None``.
    preset
        Name of the preset these values came from (``"custom"`` otherwise).
    units
        Unit of every frequency: ``"omega_b"`` or ``"GHz"`` (values are omega/2pi).
    """

    omega_b: float
    omega_m: float
    Delta_sa: float
    Delta_F: float
    lambda_as: float
    lambda_ab: float
    lambda_am: float
    xi: float
    gamma: float
    kappa: float
    kappa_a: float | None = None
    kappa_b: float | None = None
    kappa_m: float | None = None
    preset: str = "custom"
    units: str = "omega_b"

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if value is None and name in ("kappa_a", "kappa_b", "kappa_m"):
                continue
            object.__setattr__(self, name, check_finite(name, value))
        for name in RATE_NAMES:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"{name}: a decay rate must be >= 0, got {value!r}")
        if self.Delta_F < 0:
            raise InputError(
                f"Delta_F: is the magnitude |Delta_F| (the direction gives the sign), got {self.Delta_F!r}"
            )
        if self.omega_b <= 0:
            raise InputError(f"omega_b: must be > 0, got {self.omega_b!r}")
        if self.omega_m <= 0:
            raise InputError(f"omega_m: must be > 0, got {self.omega_m!r}")
        if self.xi <= 0:
            raise InputError(f"xi: the atomic drive must be > 0 (dressed-state convention S14), got {self.xi!r}")
        if self.units not in ("omega_b", "GHz"):
            raise InputError(f"units: expected 'omega_b' or 'GHz', got {self.units!r}")

    # ------------------------------------------------------------------ rates
    @property
    def rates(self) -> dict[str, float]:
        """Decay rates actually used (S3): ``{"kappa_a", "kappa_b", "kappa_m", "gamma"}``, a per-mode rate that is
        ``None`` resolved to ``kappa``."""
        return {
            "kappa_a": self.kappa if self.kappa_a is None else self.kappa_a,
            "kappa_b": self.kappa if self.kappa_b is None else self.kappa_b,
            "kappa_m": self.kappa if self.kappa_m is None else self.kappa_m,
            "gamma": self.gamma,
        }

    def resolved_rates(self) -> dict[str, float]:
        """The per-mode decay rates as used, ``{"kappa_a", "kappa_b", "kappa_m"}`` (``kappa`` where not set).

        ``params.replace(kappa=0.01)`` changes every per-mode rate that is not set: ``resolved_rates()`` then
        gives 0.01 for each, and :attr:`inherited` names them.
        """
        rates = self.rates
        return {name: rates[name] for name in _MODE_RATES}

    @property
    def inherited(self) -> tuple[str, ...]:
        """The per-mode rates that are not set and so inherit ``kappa`` (e.g. ``("kappa_a", "kappa_b",
        "kappa_m")`` for both presets)."""
        return tuple(name for name in _MODE_RATES if getattr(self, name) is None)

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        """Every parameter, the per-mode rates resolved: ``Params(preset='fig1', units='omega_b', omega_b=1.0, ...,
        kappa=0.005, kappa_a=0.005 (inherits kappa), ...)``."""
        parts = [f"preset={self.preset!r}", f"units={self.units!r}"]
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if value is None:
                parts.append(f"{name}={self.rates[name]!r} (inherits kappa)")
            else:
                parts.append(f"{name}={value!r}")
        return f"Params({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """A table for notebooks: name, value (per-mode rates resolved), what it is."""
        unit = "omega_b" if self.units == "omega_b" else "GHz (omega/2pi)"
        rows = []
        for name in PARAM_NAMES:
            value = getattr(self, name)
            shown = f"{self.rates[name]:g} <i>(inherits kappa)</i>" if value is None else f"{value:g}"
            rows.append(f"<tr><td><code>{name}</code></td><td>{shown}</td><td>{html.escape(QUANTITIES[name])}</td></tr>")
        head = (f"<b>Params</b> preset <code>{html.escape(self.preset)}</code>, frequencies in "
                f"{html.escape(unit)}")
        return (f"<div>{head}<table><tr><th>name</th><th>value</th><th>meaning</th></tr>{''.join(rows)}"
                "</table></div>")

    def Delta_F_signed(self, direction: str) -> float:
        """Signed Fizeau shift for a drive direction: +|Delta_F| left, -|Delta_F| right."""
        return fizeau_sign(direction) * self.Delta_F

    # ---------------------------------------------------------- conversions
    def replace(self, **overrides: Any) -> Params:
        """Return a copy with parameters overridden by name (validated)."""
        for name in overrides:
            if name not in PARAM_NAMES and name not in ("preset", "units"):
                raise InputError(f"unknown parameter {_short(name)}; known: {', '.join(PARAM_NAMES)}")
        return dataclasses.replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (JSON-serialisable)."""
        return dataclasses.asdict(self)

    def physics_dict(self) -> dict[str, float]:
        """The physical parameters only, with the per-mode rates resolved."""
        d = {name: getattr(self, name) for name in PARAM_NAMES}
        d.update(self.rates)
        return d

    @property
    def scale(self) -> float:
        """Value of one unit of this parameter set expressed in units of omega_b (1/omega_b)."""
        return 1.0 if self.units == "omega_b" else 1.0 / self.omega_b

    def in_omega_b_units(self) -> Params:
        """The same physics with every frequency divided by omega_b (so omega_b = 1)."""
        if self.units == "omega_b":
            return self
        s = self.omega_b
        vals = {}
        for name in PARAM_NAMES:
            v = getattr(self, name)
            vals[name] = None if v is None else v / s
        return dataclasses.replace(self, units="omega_b", **vals)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Params:
        """Inverse of :meth:`to_dict`."""
        return cls(**dict(d))


def fizeau_sign(direction: str) -> int:
    """+1 for ``"left"`` and -1 for ``"right"`` (NOTES.md sign convention)."""
    return 1 if check_direction(direction) == "left" else -1


def check_direction(direction: str) -> str:
    """Validate a drive direction."""
    if direction not in DIRECTIONS:
        raise InputError(f"direction: expected 'left' or 'right', got {direction!r}")
    return direction


_FIG1 = dict(
    omega_b=1.0,
    omega_m=1.05,
    Delta_sa=-3.1,
    Delta_F=0.025,
    lambda_as=0.3,
    lambda_ab=0.022,
    lambda_am=0.022,
    xi=0.8,
    gamma=0.001,
    kappa=0.005,
)
# Closing paragraph and SM Sec. IV, in GHz (all values omega/2pi). In omega_b units this is fig1
# with kappa = 0.008.
_PHYSICAL = dict(
    omega_b=2.0,
    omega_m=2.1,
    Delta_sa=-6.2,
    Delta_F=0.05,
    lambda_as=0.6,
    lambda_ab=0.044,
    lambda_am=0.044,
    xi=1.6,
    gamma=0.002,
    kappa=0.016,
)

PRESETS: dict[str, Params] = {
    "fig1": Params(**_FIG1, preset="fig1", units="omega_b"),
    "physical": Params(**_PHYSICAL, preset="physical", units="GHz"),
}


def get_preset(name: str) -> Params:
    """Return a preset by name (``fig1`` or ``physical``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"preset: unknown preset {_short(name)}; known: {', '.join(PRESETS)}") from None


def parse_overrides(overrides: Iterable[str]) -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings (the CLI's ``--set``) into a validated ``{name: value}`` dict.

    Raises
    ------
    InputError
        Naming the parameter (``"kappa: parameter given twice"``, ``"xi: must be finite, got 'nan'"``), or
        ``overrides`` for an item that is not ``NAME=VALUE`` or names no parameter.
    """
    out: dict[str, float] = {}
    for item in overrides:
        if "=" not in item:
            raise InputError(f"overrides: expected NAME=VALUE, got {_short(item)}")
        name, _, raw = item.partition("=")
        name = name.strip()
        if name not in PARAM_NAMES:
            raise InputError(f"overrides: unknown parameter {_short(name)}; known: {', '.join(PARAM_NAMES)}")
        if name in out:
            raise InputError(f"{name}: parameter given twice")
        out[name] = check_finite(name, raw.strip())
    return out


def parse_target(target: str | Sequence[int]) -> tuple[int, int, int]:
    """Validate a target |n_a n_b n_m ->: ``"NA,NB,NM"`` or a sequence of three integers, not all zero.

    Non-integer entries (``1.5``, ``True``) are refused, never truncated.

    Raises
    ------
    InputError
        Naming ``target``, for anything but three non-negative integers with at least one quantum.
    """
    if isinstance(target, str):
        parts = [p.strip() for p in target.split(",")]
        if len(parts) != 3:
            raise InputError(f"target: expected NA,NB,NM (three integers), got {_short(target)}")
        if not all(_INTEGER.fullmatch(p) for p in parts):
            raise InputError(f"target: expected NA,NB,NM (three integers), got {_short(target)}")
        vals = tuple(int(p) for p in parts)
    else:
        try:
            items = tuple(target)
        except TypeError:
            raise InputError(f"target: expected (n_a, n_b, n_m), got {_short(target)}") from None
        if len(items) != 3 or not all(_is_integer(v) for v in items):
            raise InputError(f"target: expected three integers (n_a, n_b, n_m), got {_short(target)}")
        vals = tuple(int(v) for v in items)
    if any(v < 0 for v in vals):
        raise InputError(f"target: occupation numbers must be >= 0, got {_short(target)}")
    if sum(vals) == 0:
        raise InputError(f"target: must hold at least one quantum, got {_short(target)}")
    return vals  # type: ignore[return-value]


def _is_integer(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu" and getattr(v, "ndim", 0) == 0


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters (error lines never echo huge arguments)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
