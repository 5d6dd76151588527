"""State labels |n_a n_b n_m l> of the model Eq. (1): text form, dressed product vectors (S14), eigenstate labels.

A label is ``(n_a, n_b, n_m, l)`` with Fock numbers of the modes a, b, m and an atom label l in ``+ - e g``: the
dressed states |+->  of S14 at a drive detuning, or the bare |e>, |g>. Its text form is ``"101-"`` (comma-separated
numbers when one is >= 10). Vectors follow the tensor order of :class:`~nrbundle.numeric.model.Model`
(a, b, m, atom; atom index 0 = |e>, 1 = |g>).
"""

from __future__ import annotations

__all__ = [
    "Label",
    "format_label",
    "parse_label",
    "dressed_basis",
    "product_vector",
    "label_of_index",
    "label_eigenstates",
]

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InputError
from ..params import check_finite
from .model import ATOM_LABELS, Model, dressed_coefficients

#: A state label ``(n_a, n_b, n_m, l)`` with l in ``+ - e g``.
Label = tuple[int, int, int, str]


def format_label(n_a: int, n_b: int, n_m: int, l: str) -> str:
    """Text form of |n_a n_b n_m l>: ``"101-"``; with any n >= 10 the numbers are comma-separated (``"10,0,1-"``)."""
    if l not in ATOM_LABELS:
        raise InputError(f"label: atom label must be one of {' '.join(ATOM_LABELS)}, got {l!r}")
    ns = (int(n_a), int(n_b), int(n_m))
    if any(n < 0 for n in ns):
        raise InputError(f"label: occupation numbers must be >= 0, got {ns}")
    if all(n < 10 for n in ns):
        return f"{ns[0]}{ns[1]}{ns[2]}{l}"
    return f"{ns[0]},{ns[1]},{ns[2]}{l}"


def parse_label(label: str | Sequence[Any]) -> Label:
    """Parse ``"101-"``, ``"1,0,1,-"``, ``"10,0,1-"`` or ``(1, 0, 1, "-")`` into ``(n_a, n_b, n_m, l)``."""
    if isinstance(label, str):
        text = label.strip().replace(" ", "")
        if not text or text[-1] not in ATOM_LABELS:
            raise InputError(f"label: expected e.g. '101-' (atom label one of + - e g last), got {label!r}")
        l, body = text[-1], text[:-1].rstrip(",")
        parts = body.split(",") if "," in body else list(body)
        try:
            ns = [int(p) for p in parts]
        except ValueError:
            raise InputError(f"label: expected e.g. '101-', got {label!r}") from None
    else:
        try:
            *ns_raw, l = tuple(label)
            ns = [int(n) for n in ns_raw]
        except (TypeError, ValueError):
            raise InputError(f"label: expected (n_a, n_b, n_m, l), got {label!r}") from None
        if l not in ATOM_LABELS:
            raise InputError(f"label: atom label must be one of {' '.join(ATOM_LABELS)}, got {l!r}")
    if len(ns) != 3 or any(n < 0 for n in ns):
        raise InputError(f"label: expected three occupation numbers >= 0, got {label!r}")
    return (ns[0], ns[1], ns[2], str(l))


def dressed_basis(model: Model, Delta_ad: float) -> np.ndarray:
    """Real orthogonal matrix whose columns are the dressed product states |n_a n_b n_m l>, l in (+, -) (S14).

    Column order follows the model's tensor order (a, b, m, atom) with the atom index 0 -> ``+``, 1 -> ``-``:
    column ``2 * ((n_a * N_b + n_b) * N_m + n_m) + (0 if l == '+' else 1)``.
    """
    _, _, cp, cm = dressed_coefficients(model.params, check_finite("Delta_ad", Delta_ad))
    # atom basis (index 0 = |e>, 1 = |g>): |+> = c+|g> + c-|e>, |-> = c-|g> - c+|e>
    rot = np.array([[cm, -cp], [cp, cm]])
    n_modes = model.dimension // 2
    return np.kron(np.eye(n_modes), rot)


def product_vector(model: Model, label: Label, Delta_ad: float) -> np.ndarray:
    """Real dense vector of |n_a n_b n_m l> (S14 for l = +-); equals ``model.state(...)`` without QuTiP overhead."""
    n_a, n_b, n_m, l = label
    _, nb_cut, nm_cut = model.cutoff
    if not (0 <= n_a < model.cutoff[0] and 0 <= n_b < nb_cut and 0 <= n_m < nm_cut):
        raise InputError(f"label: {format_label(*label)} is outside the truncated space {model.cutoff}")
    _, _, cp, cm = dressed_coefficients(model.params, Delta_ad)
    amp_e, amp_g = {"+": (cm, cp), "-": (-cp, cm), "e": (1.0, 0.0), "g": (0.0, 1.0)}[l]
    vec = np.zeros(model.dimension)
    idx = 2 * ((n_a * nb_cut + n_b) * nm_cut + n_m)
    vec[idx], vec[idx + 1] = amp_e, amp_g
    return vec


def label_of_index(model: Model, k: int) -> Label:
    """Label of basis index ``k`` of the dressed basis (:func:`dressed_basis` column order, atom 0 -> +, 1 -> -)."""
    _, nb_cut, nm_cut = model.cutoff
    mode, atom = divmod(int(k), 2)
    n_a, rest = divmod(mode, nb_cut * nm_cut)
    n_b, n_m = divmod(rest, nm_cut)
    return (n_a, n_b, n_m, "+" if atom == 0 else "-")


def label_eigenstates(
    model: Model, Delta_ad: float, energies: np.ndarray, vectors: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """Label eigenstates by the dressed product state (S14) with the largest overlap.

    Parameters
    ----------
    model
        The model the eigenvectors belong to.
    Delta_ad
        Drive detuning at which the dressed atom states |+-> are built.
    energies
        Eigenvalues, shape ``(dim,)`` (only checked against ``vectors``).
    vectors
        Eigenvectors as columns, shape ``(dim, dim)``.

    Returns
    -------
    labels, overlaps
        ``labels[k]`` is the text label (:func:`format_label`) of the dressed product state |n_a n_b n_m l> with the
        largest ``|<n_a n_b n_m l|psi_k>|^2``, and ``overlaps[k]`` that overlap.
    """
    energies = np.asarray(energies)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != model.dimension or vectors.shape[1] != energies.shape[-1]:
        raise InputError(
            f"vectors: expected shape ({model.dimension}, {energies.shape[-1]}), got {vectors.shape}"
        )
    amp = dressed_basis(model, Delta_ad).T @ vectors
    weights = np.abs(amp) ** 2
    best = np.argmax(weights, axis=0)
    labels = [format_label(*label_of_index(model, k)) for k in best]
    return labels, weights[best, np.arange(weights.shape[1])]
