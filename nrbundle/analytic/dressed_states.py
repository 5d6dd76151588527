"""The dressed product basis |n_a n_b n_m l> (S14) of perturbation theory: states, H0 energies, elements of V.

Eq. (1) is split as H = H0 + V with

    H0 = n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m + E_l          (S16, diagonal, l in {+, -})
    V  = lambda_as (a s' + a' s) + lambda_ab (a + a')(b + b') + lambda_am (a + a')(m + m')

in the dressed product basis |n_a n_b n_m l> (S14; s = |g><e| has the dressed matrix elements
<+|s|+> = c_+ c_-, <+|s|-> = -c_+^2, <-|s|+> = c_-^2, <-|s|-> = -c_+ c_-). A state is the tuple
``(n_a, n_b, n_m, l)`` with ``l = +1`` for |+> and ``l = -1`` for |->. The graph of V (an edge for every nonzero
matrix element) defines the distance between states; the breadth-first ball of radius floor(n/2) around the model
space holds every intermediate state of an order-n effective Hamiltonian (see
:mod:`nrbundle.analytic.schrieffer_wolff`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..errors import InputError
from ..params import parse_target
from . import symbols as s

__all__ = [
    "DressedState",
    "P_STATE",
    "COUPLINGS",
    "MatrixElement",
    "state_label",
    "target_state",
    "model_space",
    "perturbation_elements",
    "dressed_basis",
    "basis_radius",
    "coupling_distance",
    "unperturbed_energy",
    "dressed_matrices",
]

#: A dressed product state (n_a, n_b, n_m, l) with l = +1 for |+> and l = -1 for |-> (S14).
DressedState = tuple[int, int, int, int]

#: The lower member of every pair resonance, |000+>.
P_STATE: DressedState = (0, 0, 0, 1)

#: The three couplings of V, by the key of their symbol ``lambda_<key>``.
COUPLINGS: tuple[str, ...] = ("as", "ab", "am")

# Dressed matrix elements of s = |g><e| (S14): key (l_bra, l_ket) -> (sign, power of c_+, power of c_-).
_ATOM_S: dict[tuple[int, int], tuple[int, int, int]] = {
    (1, 1): (1, 1, 1),
    (1, -1): (-1, 2, 0),
    (-1, 1): (1, 0, 2),
    (-1, -1): (-1, 1, 1),
}


@dataclass(frozen=True)
class MatrixElement:
    """One matrix element ``<bra|V|ket> = sign * lambda_kind * sqrt(root) * c_+^cp * c_-^cm``.

    Attributes
    ----------
    bra
        The final state.
    kind
        The coupling, a key of :data:`COUPLINGS`.
    root
        The product of the Fock factors (``sqrt(root)``: bosonic matrix elements).
    sign, cp, cm
        Sign and powers of c_+, c_- of the dressed atomic matrix element (S14).
    """

    bra: DressedState
    kind: str
    root: int
    sign: int
    cp: int
    cm: int


def state_label(state: DressedState) -> str:
    """Ket label ``|n_a n_b n_m l>`` of a dressed state, e.g. ``|101->``."""
    na, nb, nm, l = state
    return f"|{na}{nb}{nm}{'+' if l > 0 else '-'}>"


def target_state(target: str | Sequence[int]) -> DressedState:
    """The upper state |n_a n_b n_m -> = ``(n_a, n_b, n_m, -1)`` of a target (:func:`~nrbundle.params.parse_target`)."""
    na, nb, nm = parse_target(target)
    return (na, nb, nm, -1)


def model_space(target: Sequence[int], spectators: Iterable[Sequence[int]] = ()) -> tuple[DressedState, ...]:
    """P = (|000+>, |target->, *spectators); a spectator is (n_a, n_b, n_m) (label -) or (n_a, n_b, n_m, +-1).

    Raises
    ------
    InputError
        Naming ``target`` or ``spectators`` for an invalid state or a spectator already in P.
    """
    P: list[DressedState] = [P_STATE, target_state(target)]
    for spec in spectators:
        spec = tuple(spec)
        if len(spec) == 4:
            if spec[3] not in (1, -1):
                raise InputError(f"spectators: the dressed label must be +1 or -1, got {spec!r}")
            st_ = (*target_state(spec[:3])[:3], int(spec[3])) if sum(spec[:3]) else (0, 0, 0, int(spec[3]))
        else:
            st_ = target_state(spec)
        if st_ in P:
            raise InputError(f"spectators: {state_label(st_)} is already in the model space")
        P.append(st_)  # type: ignore[arg-type]
    return tuple(P)


def perturbation_elements(ket: DressedState) -> list[MatrixElement]:
    """Every nonzero ``<bra|V|ket>`` of the perturbation V of Eq. (1) (dressed basis, S14).

    ``lambda_as a s'``: ``sqrt(n_a) <l|s|l'>``; ``lambda_as a' s``: ``sqrt(n_a + 1) <l'|s|l>``; the linear
    couplings ``lambda_ab (a + a')(b + b')``, ``lambda_am (a + a')(m + m')`` leave the atom untouched.
    """
    na, nb, nm, l = ket
    out: list[MatrixElement] = []
    # lambda_as a s': <na-1, l2| a s' |na, l> = sqrt(na) <l2|s'|l> = sqrt(na) <l|s|l2>
    if na > 0:
        for l2 in (1, -1):
            sg, cp, cm = _ATOM_S[(l, l2)]
            out.append(MatrixElement((na - 1, nb, nm, l2), "as", na, sg, cp, cm))
    # lambda_as a' s: <na+1, l2| a' s |na, l> = sqrt(na+1) <l2|s|l>
    for l2 in (1, -1):
        sg, cp, cm = _ATOM_S[(l2, l)]
        out.append(MatrixElement((na + 1, nb, nm, l2), "as", na + 1, sg, cp, cm))
    # lambda_ab (a + a')(b + b') and lambda_am (a + a')(m + m'): the atom is untouched
    for da in (-1, 1):
        if na + da < 0:
            continue
        ra = na if da < 0 else na + 1
        for dx in (-1, 1):
            if nb + dx >= 0:
                out.append(MatrixElement((na + da, nb + dx, nm, l), "ab", ra * (nb if dx < 0 else nb + 1), 1, 0, 0))
            if nm + dx >= 0:
                out.append(MatrixElement((na + da, nb, nm + dx, l), "am", ra * (nm if dx < 0 else nm + 1), 1, 0, 0))
    return [e for e in out if e.root > 0]


def dressed_basis(P: Sequence[DressedState], depth: int) -> list[DressedState]:
    """Breadth-first ball of radius ``depth`` around the model space ``P`` in the graph of V (P first).

    Parameters
    ----------
    P
        Model-space states; they come first in the returned list, in the given order.
    depth
        Number of applications of V; ``floor(n/2)`` (:func:`basis_radius`) suffices for an exact order-n
        effective Hamiltonian.
    """
    dist = {st: 0 for st in P}
    out = list(P)
    queue = deque(P)
    while queue:
        st = queue.popleft()
        if dist[st] >= depth:
            continue
        for el in perturbation_elements(st):
            if el.bra not in dist:
                dist[el.bra] = dist[st] + 1
                out.append(el.bra)
                queue.append(el.bra)
    return out


def basis_radius(order: int) -> int:
    """``max(1, floor(order/2))``: the radius of the dressed basis that makes an order-``order`` P block exact."""
    return max(1, order // 2)


def coupling_distance(target: Sequence[int]) -> int:
    """Fewest applications of V that connect |000+> to |n_a n_b n_m -> (a lower bound on the g_eff order)."""
    T = target_state(target)
    dist = {P_STATE: 0}
    queue = deque([P_STATE])
    while queue:
        st = queue.popleft()
        for el in perturbation_elements(st):
            if el.bra not in dist:
                dist[el.bra] = dist[st] + 1
                if el.bra == T:
                    return dist[el.bra]
                queue.append(el.bra)
    raise AssertionError("unreachable: V connects every dressed state")  # pragma: no cover


def unperturbed_energy(state: DressedState) -> sp.Expr:
    """E of S16 for a dressed state, ``n_a (Delta_ad + Delta_F) + n_b omega_b + n_m omega_m + E_l`` (E_+- symbols)."""
    na, nb, nm, l = state
    return na * (s.Delta_ad + s.Delta_F) + nb * s.omega_b + nm * s.omega_m + (s.E_plus if l > 0 else s.E_minus)


def dressed_matrices(
    values: Mapping[str, float], Delta_ad: float, basis: Sequence[DressedState]
) -> tuple[np.ndarray, np.ndarray]:
    """H0 energies (S16) and the matrix of V on ``basis``, in floats.

    ``values`` holds the parameters by name (``Delta_F`` signed, see
    :func:`~nrbundle.analytic.numeric_bridge.parameter_values`); ``D = Delta_sa + Delta_ad``,
    ``R = sqrt(D^2 + 4 xi^2)``, ``c_+- = sqrt((1 -+ D/R)/2)`` (S15), ``E_l = (D + l R)/2`` (S13).
    """
    D = values["Delta_sa"] + Delta_ad
    R = math.hypot(D, 2.0 * values["xi"])
    cp = math.sqrt(max(0.0, 0.5 * (1.0 - D / R)))
    cm = math.sqrt(max(0.0, 0.5 * (1.0 + D / R)))
    Wa = Delta_ad + values["Delta_F"]
    lam = {"as": values["lambda_as"], "ab": values["lambda_ab"], "am": values["lambda_am"]}
    idx = {st: i for i, st in enumerate(basis)}
    n = len(basis)
    E = np.empty(n)
    V = np.zeros((n, n))
    for i, st in enumerate(basis):
        na, nb, nm, l = st
        E[i] = na * Wa + nb * values["omega_b"] + nm * values["omega_m"] + 0.5 * (D + l * R)
        for el in perturbation_elements(st):
            j = idx.get(el.bra)
            if j is not None:
                V[j, i] += el.sign * lam[el.kind] * math.sqrt(el.root) * cp**el.cp * cm**el.cm
    return E, V
