"""The paper's four pair transitions and its three resonance regimes: the one table every layer reads.

A transition is the avoided crossing |000+> <-> |n_a n_b n_m -> for one drive direction. The paper has four:
photon-magnon |101-> and photon-phonon |110->, each driven from the left (Delta_F = +|Delta_F|) and from the right.
They fall into three regimes, the coloured areas of Fig. 1(c,d):

- ``blue``: |101-> (pair a-m) resonant for the left drive only (S18);
- ``pink``: |110-> (pair a-b) resonant for the right drive only (S22);
- ``orange``: |110-> for the left drive (S21) and |101-> for the right drive (S19) at (nearly) one Delta_ad; the
  closed forms coincide exactly when omega_m - omega_b = 2|Delta_F|.

This module is a leaf (it imports nothing from nrbundle), so the analytic layer, the numerics, the study layer,
the crosscheck and the CLI all read the same records.
"""

from __future__ import annotations

__all__ = [
    "Transition",
    "PAPER_TRANSITIONS",
    "PAPER_TARGETS",
    "ORANGE_TRANSITIONS",
    "Regime",
    "REGIMES",
    "REGIME_NAMES",
    "PAIR_MODES",
    "transition_key",
    "paper_transition",
]

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

#: Bundle pair name -> the two modes it is made of.
PAIR_MODES: Mapping[str, tuple[str, str]] = MappingProxyType({"ab": ("a", "b"), "am": ("a", "m")})


@dataclass(frozen=True)
class Transition:
    """One of the paper's four pair resonances |000+> <-> |target ->.

    Attributes
    ----------
    target
        ``(n_a, n_b, n_m)`` of the final state ``|n_a n_b n_m ->``; the initial state is ``|000+>``.
    direction
        ``"left"`` (Delta_F = +|Delta_F|) or ``"right"`` (Delta_F = -|Delta_F|).
    pair
        The bundle pair emitted (``"am"`` photon-magnon, ``"ab"`` photon-phonon).
    regime
        The coloured area of Fig. 1(c,d) it belongs to (``"blue"``, ``"pink"``, ``"orange"``).
    equation
        The Supplement's closed form for Delta_ad (``"S18"``, ``"S19"``, ``"S21"``, ``"S22"``).
    unsquared_equation
        The Supplement's unsquared condition where printed (``"S17"``, ``"S20"``), else ``None``.
    figure
        Where the resonance shows up in Fig. 1 (panel and coloured area).
    note
        Remarks on the printed text (misprints), or ``""``.
    """

    target: tuple[int, int, int]
    direction: str
    pair: str
    regime: str
    equation: str
    unsquared_equation: str | None
    figure: str
    note: str = ""

    @property
    def key(self) -> str:
        """``"101-left"``: the key of this transition in result tables."""
        return transition_key(self.target, self.direction)


#: The four transitions of the paper, in the order (101, left), (101, right), (110, left), (110, right).
PAPER_TRANSITIONS: tuple[Transition, ...] = (
    Transition((1, 0, 1), "left", "am", "blue", "S18", "S17", "Fig. 1(c), blue area"),
    Transition(
        (1, 0, 1),
        "right",
        "am",
        "orange",
        "S19",
        None,
        "Fig. 1(d), orange area",
        "The Supplement after S19 attributes this (right-drive) condition to 'the orange area of Fig. 1(c)'; "
        "Fig. 1(c) is the left drive, the right-driven resonance belongs to Fig. 1(d) (main text: photon-magnon "
        "pairs in the orange area when driven from the right).",
    ),
    Transition((1, 1, 0), "left", "ab", "orange", "S21", "S20", "Fig. 1(c), orange area"),
    Transition((1, 1, 0), "right", "ab", "pink", "S22", None, "Fig. 1(d), pink area"),
)

#: The paper's two targets, |101-> (photon-magnon) and |110-> (photon-phonon).
PAPER_TARGETS: tuple[tuple[int, int, int], ...] = tuple(dict.fromkeys(t.target for t in PAPER_TRANSITIONS))


def transition_key(target: Sequence[int], direction: str) -> str:
    """``"101-left"`` for ``((1, 0, 1), "left")``."""
    return "".join(str(int(n)) for n in target) + "-" + direction


def paper_transition(target: Sequence[int], direction: str) -> Transition | None:
    """The record of ``(target, direction)`` if it is one of the paper's four transitions, else ``None``."""
    key = (tuple(int(n) for n in target), direction)
    for t in PAPER_TRANSITIONS:
        if (t.target, t.direction) == key:
            return t
    return None


@dataclass(frozen=True)
class Regime:
    """One shaded area of Fig. 1(c,d).

    Attributes
    ----------
    name
        ``"blue"``, ``"pink"`` or ``"orange"``.
    transitions
        The resonant transitions ``(target, direction)`` of the regime.
    pairs
        Bundle pairs plotted in Fig. 3 (``"ab"`` photon-phonon, ``"am"`` photon-magnon).
    resonant_pair
        ``direction -> pair`` that is resonant for that drive direction (absent: none).
    description
        One line for captions.
    """

    name: str
    transitions: tuple[tuple[tuple[int, int, int], str], ...]
    pairs: tuple[str, ...]
    resonant_pair: Mapping[str, str]
    description: str


def _regime(name: str, description: str) -> Regime:
    members = sorted((t for t in PAPER_TRANSITIONS if t.regime == name), key=lambda t: t.direction != "left")
    return Regime(
        name,
        tuple((t.target, t.direction) for t in members),
        tuple(sorted({t.pair for t in members})),
        MappingProxyType({t.direction: t.pair for t in members}),
        description,
    )


#: The three regimes of Fig. 1(c,d), built from :data:`PAPER_TRANSITIONS`.
REGIMES: Mapping[str, Regime] = MappingProxyType(
    {
        "blue": _regime("blue", "|000+> <-> |101-> (photon-magnon), left drive"),
        "pink": _regime("pink", "|000+> <-> |110-> (photon-phonon), right drive"),
        "orange": _regime("orange", "|110-> for left and |101-> for right drive at one Delta_ad"),
    }
)
REGIME_NAMES: tuple[str, ...] = tuple(REGIMES)

#: The orange pair ``(target, direction)``: photon-phonon for the left drive, photon-magnon for the right drive.
ORANGE_TRANSITIONS: tuple[tuple[tuple[int, int, int], str], ...] = REGIMES["orange"].transitions
