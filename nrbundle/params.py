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

import scipy.constants

from .errors import InputError

__all__ = [
    "Params",
    "PARAM_NAMES",
    "PAPER_PARAM_NAMES",
    "NOISE_NAMES",
    "RATE_NAMES",
    "OPTICAL_FREQUENCY_GHZ",
    "bose_einstein",
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

#: The parameters of the paper's Eq. (1)-(2) (and S3), in paper notation.
PAPER_PARAM_NAMES: tuple[str, ...] = (
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
#: Thermal noise and atomic dephasing beyond the paper (``docs/thermal.md``): a temperature (kelvin), the thermal
#: occupations of a, b, m and the atom's pure-dephasing rate. Unset (``None``/0) they leave Eq. (2) exactly as is.
NOISE_NAMES: tuple[str, ...] = ("temperature", "n_th_a", "n_th_b", "n_th_m", "gamma_phi")
#: Parameter names accepted by ``Params.replace``, ``--set`` and sweep axes: :data:`PAPER_PARAM_NAMES` then
#: :data:`NOISE_NAMES`.
PARAM_NAMES: tuple[str, ...] = (*PAPER_PARAM_NAMES, *NOISE_NAMES)
#: Names that are decay rates and must be >= 0.
RATE_NAMES: tuple[str, ...] = ("gamma", "kappa", "kappa_a", "kappa_b", "kappa_m", "gamma_phi")
#: Thermal occupations that come from ``temperature`` when ``None`` (Bose-Einstein, :func:`bose_einstein`).
_OCCUPATIONS: tuple[str, ...] = ("n_th_a", "n_th_b", "n_th_m")
#: Optional noise fields that are ``None`` unless set (omitted from :meth:`Params.to_dict` then).
_OPTIONAL_NOISE: tuple[str, ...] = ("temperature", *_OCCUPATIONS)

#: Frequency f = omega_a/2pi of the optical cavity mode a in GHz, used only to turn a temperature into n_th_a. The
#: model works in the frame rotating at the drive, so omega_a is no parameter of Eq. (1); the cavity is near-resonant
#: with the atom (|Delta_sa|/2pi = 6.2 GHz), which the Supplement names as the cesium D2 line 6S_1/2 F=4 -> 6P_3/2
#: F'=5 (852.3 nm, 351.7 THz; rubidium D2 at 384.2 THz is the alternative). At any laboratory temperature
#: h f / (k_B T) > 5e4 K / T, so n_th_a = exp(-h f/(k_B T)) < 1e-70 at 300 K: numerically zero.
OPTICAL_FREQUENCY_GHZ: float = 351725.718
#: Per-mode decay rates that inherit ``kappa`` when ``None`` (S3).
_MODE_RATES: tuple[str, ...] = ("kappa_a", "kappa_b", "kappa_m")

#: Quantities measured in the frequency unit of a parameter set (:attr:`Params.units`: omega_b, or GHz with values
#: omega/2pi): every parameter of Eq. (1)-(2) and the drive detuning of Eq. (1).
FREQUENCY_NAMES: tuple[str, ...] = (*PAPER_PARAM_NAMES, "gamma_phi", "Delta_ad")
#: Dimensionless quantities of the steady-state contract (occupations, correlations, error measures).
DIMENSIONLESS_NAMES: tuple[str, ...] = (
    "n_th_a", "n_th_b", "n_th_m", "n_a", "n_b", "n_m", "n_atom", "g1_ab", "g2_ab", "g1_am", "g2_am", "residual",
    "truncation_error", "error_estimate",
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
    "temperature": "temperature T of the baths of a, b, m in kelvin (gives n_th by Bose-Einstein; GHz units only)",
    "n_th_a": "thermal occupation of the bath of the cavity photons a (from temperature when not set; 0: Eq. 2)",
    "n_th_b": "thermal occupation of the bath of the phonons b (from temperature when not set; 0: Eq. 2)",
    "n_th_m": "thermal occupation of the bath of the magnons m (from temperature when not set; 0: Eq. 2)",
    "gamma_phi": "pure-dephasing rate of the atom (decay rate of its coherence; jump sqrt(gamma_phi/2) sigma_z)",
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

    ``units`` (``"omega_b"`` or ``"GHz"``, :attr:`Params.units`) for :data:`FREQUENCY_NAMES`, ``"K"`` for
    ``temperature``, ``"1"`` for
    :data:`DIMENSIONLESS_NAMES` and the QFI witnesses ``W1_<partition>``/``D1_<partition>`` (Eq. 4), ``None``
    for anything else (or for a frequency when ``units`` is ``None``).
    """
    if name in FREQUENCY_NAMES:
        return units
    if name == "temperature":
        return "K"
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


def bose_einstein(frequency_ghz: float, temperature: float, name: str = "temperature") -> float:
    """Mean thermal occupation n = 1 / (exp(h f / (k_B T)) - 1) of a mode of frequency f = omega/2pi at temperature T.

    Parameters
    ----------
    frequency_ghz
        f = omega/2pi in GHz, > 0 (the values of the ``physical`` preset).
    temperature
        T in kelvin, >= 0; T = 0 gives exactly 0.
    name
        Parameter named in errors about ``temperature``.

    Returns
    -------
    float
        n >= 0 (0.0 where exp(h f / (k_B T)) overflows, i.e. n < 1e-300). h and k_B are the exact SI values of
        :mod:`scipy.constants`.

    Raises
    ------
    InputError
        Naming ``name`` (or ``frequency``) for a value that is not finite, a negative temperature or a frequency <= 0.
    """
    f = check_finite("frequency", frequency_ghz)
    T = check_finite(name, temperature)
    if f <= 0:
        raise InputError(f"frequency: must be > 0 GHz, got {f!r}")
    if T < 0:
        raise InputError(f"{name}: a temperature in kelvin must be >= 0, got {T!r}")
    if T == 0:
        return 0.0
    x = scipy.constants.h * f * 1e9 / (scipy.constants.k * T)
    return 0.0 if x > 700.0 else 1.0 / math.expm1(x)


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
    temperature
        Temperature T of the baths of a, b and m in kelvin (``None``: zero temperature). Allowed only with
        ``units="GHz"``, where the mode frequencies are physical: each occupation that is not set is then
        n_th_o = 1 / (exp(h f_o / (k_B T)) - 1) with f_a = :data:`OPTICAL_FREQUENCY_GHZ`, f_b = omega_b,
        f_m = omega_m (:attr:`thermal_occupations`).
    n_th_a, n_th_b, n_th_m
        Thermal occupation of each mode's bath, >= 0; ``None`` (default) takes it from ``temperature``, or 0 without
        one. With every occupation 0 the master equation is exactly Eq. (2).
    gamma_phi
        Pure-dephasing rate of the atom (default 0), in the frequency unit: the jump operator
        sqrt(gamma_phi/2) sigma_z makes the atomic coherence decay at gamma_phi (``docs/thermal.md``).
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
    temperature: float | None = None
    n_th_a: float | None = None
    n_th_b: float | None = None
    n_th_m: float | None = None
    gamma_phi: float = 0.0

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if value is None and name in (*_MODE_RATES, *_OPTIONAL_NOISE):
                continue
            object.__setattr__(self, name, check_finite(name, value))
        for name in _OCCUPATIONS:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"{name}: a thermal occupation must be >= 0, got {value!r}")
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
        if self.temperature is not None:
            if self.temperature < 0:
                raise InputError(f"temperature: a temperature in kelvin must be >= 0, got {self.temperature!r}")
            if self.units != "GHz":
                raise InputError(
                    "temperature: needs physical frequencies (units='GHz', e.g. the 'physical' preset) to give "
                    f"h f/(k_B T); these are in units of {self.units}: set n_th_a, n_th_b, n_th_m directly instead"
                )

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

    # ----------------------------------------------------------------- noise
    @property
    def mode_frequencies(self) -> dict[str, float]:
        """Frequencies f = omega/2pi of the modes in GHz, ``{"a", "b", "m"}``: :data:`OPTICAL_FREQUENCY_GHZ`,
        ``omega_b``, ``omega_m`` (``units="GHz"`` only; in omega_b units they have no physical value).

        Raises
        ------
        InputError
            Naming ``units`` when the frequencies are in units of omega_b.
        """
        if self.units != "GHz":
            raise InputError(f"units: mode frequencies in GHz need units='GHz', these are in units of {self.units}")
        return {"a": OPTICAL_FREQUENCY_GHZ, "b": self.omega_b, "m": self.omega_m}

    @property
    def thermal_occupations(self) -> dict[str, float]:
        """Thermal occupations actually used, ``{"n_th_a", "n_th_b", "n_th_m"}``: the value where set, otherwise
        Bose-Einstein n = 1/(exp(h f/(k_B T)) - 1) at ``temperature`` (:func:`bose_einstein`), otherwise 0."""
        out = {}
        freqs = self.mode_frequencies if self.temperature is not None else {}
        for name, mode in zip(_OCCUPATIONS, "abm", strict=True):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
            elif self.temperature is not None:
                out[name] = bose_einstein(freqs[mode], self.temperature)
            else:
                out[name] = 0.0
        return out

    @property
    def is_noiseless(self) -> bool:
        """True when every thermal occupation and ``gamma_phi`` are 0: the master equation is exactly Eq. (2)."""
        return self.gamma_phi == 0 and not any(self.thermal_occupations.values())

    def _noise_items(self) -> list[tuple[str, float, str]]:
        """``(name, value, note)`` of the noise fields to show: set ones, occupations derived from a temperature and
        a nonzero ``gamma_phi`` (nothing for the paper's presets)."""
        items: list[tuple[str, float, str]] = []
        if self.temperature is not None:
            items.append(("temperature", self.temperature, ""))
        occupations = self.thermal_occupations
        for name in _OCCUPATIONS:
            if getattr(self, name) is not None:
                items.append((name, occupations[name], ""))
            elif self.temperature is not None:
                items.append((name, occupations[name], "from temperature"))
        if self.gamma_phi != 0:
            items.append(("gamma_phi", self.gamma_phi, ""))
        return items

    # ---------------------------------------------------------------- display
    def __repr__(self) -> str:
        """Every parameter, the per-mode rates resolved: ``Params(preset='fig1', units='omega_b', omega_b=1.0, ...,
        kappa=0.005, kappa_a=0.005 (inherits kappa), ...)``; the noise fields (:data:`NOISE_NAMES`) only when set or
        nonzero (``temperature=0.05, n_th_a=0.0 (from temperature), n_th_b=0.0009... (from temperature), ...``)."""
        parts = [f"preset={self.preset!r}", f"units={self.units!r}"]
        for name in PAPER_PARAM_NAMES:
            value = getattr(self, name)
            if value is None:
                parts.append(f"{name}={self.rates[name]!r} (inherits kappa)")
            else:
                parts.append(f"{name}={value!r}")
        for name, value, note in self._noise_items():
            parts.append(f"{name}={value!r}" + (f" ({note})" if note else ""))
        return f"Params({', '.join(parts)})"

    def _repr_html_(self) -> str:
        """A table for notebooks: name, value (per-mode rates resolved), what it is; noise fields only when set."""
        unit = "omega_b" if self.units == "omega_b" else "GHz (omega/2pi)"
        rows = []
        for name in PAPER_PARAM_NAMES:
            value = getattr(self, name)
            shown = f"{self.rates[name]:g} <i>(inherits kappa)</i>" if value is None else f"{value:g}"
            rows.append(f"<tr><td><code>{name}</code></td><td>{shown}</td><td>{html.escape(QUANTITIES[name])}</td></tr>")
        for name, value, note in self._noise_items():
            shown = f"{value:g}" + (f" <i>({html.escape(note)})</i>" if note else "") + (" K" if name == "temperature"
                                                                                          else "")
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
        """Plain dict of the fields (JSON-serialisable); :meth:`from_dict` inverts it exactly.

        The noise fields (:data:`NOISE_NAMES`) are left out while unset (``None``, ``gamma_phi`` 0), so the dict of
        a noiseless parameter set, and every cache key and provenance record built from it, is the same as before
        these fields existed.
        """
        d = dataclasses.asdict(self)
        for name in _OPTIONAL_NOISE:
            if d[name] is None:
                del d[name]
        if d["gamma_phi"] == 0:
            del d["gamma_phi"]
        return d

    def physics_dict(self) -> dict[str, float]:
        """The physical parameters only, with the per-mode rates resolved; the noise fields only when set or
        nonzero, thermal occupations resolved (:attr:`thermal_occupations`)."""
        d = {name: getattr(self, name) for name in PAPER_PARAM_NAMES}
        d.update(self.rates)
        d.update({name: value for name, value, _ in self._noise_items()})
        return d

    @property
    def scale(self) -> float:
        """Value of one unit of this parameter set expressed in units of omega_b (1/omega_b)."""
        return 1.0 if self.units == "omega_b" else 1.0 / self.omega_b

    def in_omega_b_units(self) -> Params:
        """The same physics with every frequency divided by omega_b (so omega_b = 1).

        A temperature has no meaning without physical frequencies: it is replaced by the occupations it gives
        (:attr:`thermal_occupations`), set explicitly.
        """
        if self.units == "omega_b":
            return self
        s = self.omega_b
        vals: dict[str, Any] = {}
        for name in (*PAPER_PARAM_NAMES, "gamma_phi"):
            v = getattr(self, name)
            vals[name] = None if v is None else v / s
        if self.temperature is not None:
            vals.update(self.thermal_occupations, temperature=None)
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
