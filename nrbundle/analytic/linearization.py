"""Linearization of the driven optomagnomechanical model: from the lab-frame Hamiltonian (S1) to Eq. (1) = (S11).

The derivation is done by SymPy with non-commuting operators, step by step, following Sec. I of the
Supplemental Material:

* **S1 -> S2**: the time dependence of the drives is removed by the unitary
  ``U = exp(i omega_d t (a^dag a + sigma^dag sigma))``. Every monomial ``T`` of S1 satisfies
  ``[N, T] = q T`` (checked by normal ordering), so ``U T U^dag = exp(i q omega_d t) T`` (BCH); the frame change
  adds ``-omega_d N``.
* **S3 -> S4**: the optical, phonon and magnon modes (the SM text says "optical, phonon, and mechanical"; the
  third mode is the magnon mode) are displaced by their mean values, ``a = alpha + delta a``,
  ``b = beta + delta b``, ``m = mu + delta m``, *inside the master equation*. The displaced dissipators give a
  c-number part (which cancels), a part linear in the fluctuations that is a commutator ``-i[H_kappa, rho]``, and
  the Lindblad terms of the fluctuations.
* **S5, S6**: the displaced Hamiltonian plus ``H_kappa`` is split by order in the bosonic fluctuations: ``H1``
  (c-number and linear terms without atom operator, including the ``+- i kappa_a alpha / 2`` terms) and ``H2``
  (everything else). The atom is not displaced; every term containing an atom operator belongs to ``H2``.
* **S7**: the couplings are renamed. Phase convention: ``alpha = |alpha| exp(i phi)``; the fluctuation
  ``delta a`` and the atom are rotated by the (dissipator-preserving) gauge transformation
  ``delta a -> exp(i phi) delta a``, ``sigma -> exp(i phi) sigma``. This makes S7 exact for the
  optomechanical, optomagnonic and Jaynes-Cummings terms; the atomic pump becomes
  ``xi_p (exp(-i phi) sigma^dag + h.c.)``, so ``xi = lambda'_as |alpha| + xi_p`` holds for ``phi = 0``
  (alpha real and positive, i.e. atomic pump phase-locked to the intracavity field) or for ``xi_p = 0``.
  We adopt ``phi = 0``; the residual term for ``phi != 0`` is recorded.
* **S8**: the linear terms of ``H1`` are ``sum_o (E_o delta o^dag + E_o^* delta o)``; they vanish iff the
  mean-field equations ``E_alpha = E_beta = E_mu = 0`` hold. The derivation gives ``kappa_a`` in the first
  equation where S8 prints ``kappa``.
* **S9, S10**: with S8, ``H1`` is a c-number and drops out of the commutator; the cubic terms
  ``lambda'_ab da^dag da (db^dag + db) + lambda'_am da^dag da (dm^dag + dm)`` are dropped (strong drive) and
  recorded.
* **S11**: ``delta o -> o`` and the definitions ``Delta_ad = omega_a - omega_d + lambda'_ab (beta^* + beta) +
  lambda'_am (mu^* + mu)``, ``Delta_sa = omega_sigma - omega_a - lambda'_ab (beta^* + beta) -
  lambda'_am (mu^* + mu)`` give Eq. (1).

The module also provides the small operator algebra the derivation needs: :func:`normal_order` (bosons with
``[o, o^dag] = 1``, different modes commuting, atom operators commuting with bosons and reduced with the
two-level algebra) and :func:`dagger`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import sympy as sp

from . import symbols as s

__all__ = [
    "OperatorSymbol",
    "Operators",
    "OPS",
    "alpha",
    "beta",
    "mu",
    "alpha_abs",
    "phi_alpha",
    "t",
    "normal_order",
    "dagger",
    "commutator",
    "fluctuation_order",
    "atom_part",
    "collect_operators",
    "Step",
    "Linearization",
    "derive_linearization",
    "hamiltonian_S1",
]


# --------------------------------------------------------------------------- operator symbols
class OperatorSymbol(sp.Symbol):
    """A non-commuting operator symbol that prints itself in LaTeX with its dagger (e.g. ``a^{\\dagger}``)."""

    def _latex(self, printer: Any) -> str:
        return _OP_LATEX.get(self.name, self.name)


@dataclass(frozen=True)
class _OpInfo:
    kind: str  # "boson", "atom" or "state"
    mode: str  # mode key (bosons sharing a key obey [o, o'^dag] = 1); "atom"; "rho"
    creation: bool
    fluctuation: bool


_OP_INFO: dict[sp.Symbol, _OpInfo] = {}
_OP_LATEX: dict[str, str] = {}
_PARTNER: dict[sp.Symbol, sp.Symbol] = {}


def _make_pair(name: str, latex: str, kind: str, mode: str, fluctuation: bool = False) -> tuple[OperatorSymbol, OperatorSymbol]:
    op = OperatorSymbol(name, commutative=False)
    opd = OperatorSymbol(name + "_dag", commutative=False)
    _OP_LATEX[op.name] = latex
    _OP_LATEX[opd.name] = latex + r"^{\dagger}"
    _OP_INFO[op] = _OpInfo(kind, mode, False, fluctuation)
    _OP_INFO[opd] = _OpInfo(kind, mode, True, fluctuation)
    _PARTNER[op] = opd
    _PARTNER[opd] = op
    return op, opd


@dataclass(frozen=True)
class Operators:
    """The operator symbols of the derivation (non-commutative).

    ``a, b, m`` are the optical, mechanical (phonon) and magnon annihilation operators, ``da, db, dm`` their
    fluctuations ``delta a`` etc. (same mode keys: ``[a, delta a^dag] = 1``), ``sigma = |g><e|`` the atomic
    lowering operator, ``rho`` the density operator (commutes with nothing). ``*_dag`` are the adjoints.
    """

    a: OperatorSymbol
    a_dag: OperatorSymbol
    b: OperatorSymbol
    b_dag: OperatorSymbol
    m: OperatorSymbol
    m_dag: OperatorSymbol
    da: OperatorSymbol
    da_dag: OperatorSymbol
    db: OperatorSymbol
    db_dag: OperatorSymbol
    dm: OperatorSymbol
    dm_dag: OperatorSymbol
    sigma: OperatorSymbol
    sigma_dag: OperatorSymbol
    rho: OperatorSymbol


def _build_ops() -> Operators:
    a, ad = _make_pair("a", "a", "boson", "a")
    b, bd = _make_pair("b", "b", "boson", "b")
    m, md = _make_pair("m", "m", "boson", "m")
    da, dad = _make_pair("delta_a", r"\delta a", "boson", "a", fluctuation=True)
    db, dbd = _make_pair("delta_b", r"\delta b", "boson", "b", fluctuation=True)
    dm, dmd = _make_pair("delta_m", r"\delta m", "boson", "m", fluctuation=True)
    sg, sgd = _make_pair("sigma", r"\sigma", "atom", "atom")
    rho = OperatorSymbol("rho", commutative=False)
    _OP_LATEX["rho"] = r"\rho"
    _OP_INFO[rho] = _OpInfo("state", "rho", False, False)
    return Operators(a, ad, b, bd, m, md, da, dad, db, dbd, dm, dmd, sg, sgd, rho)


#: The operator symbols used throughout the analytic layer.
OPS: Operators = _build_ops()

#: Mean values of the displaced modes (S4): complex c-numbers.
alpha = sp.Symbol("alpha", complex=True)
beta = sp.Symbol("beta", complex=True)
mu = sp.Symbol("mu", complex=True)
#: |alpha| and arg(alpha) (phase convention of S7).
alpha_abs = sp.Symbol("alpha_abs", positive=True)
phi_alpha = sp.Symbol("phi_alpha", real=True)
#: Time (S1).
t = sp.Symbol("t", real=True)


# --------------------------------------------------------------------------- operator algebra
def _word(nc_factors: Iterable[sp.Expr]) -> tuple[sp.Symbol, ...]:
    out: list[sp.Symbol] = []
    for f in nc_factors:
        if isinstance(f, sp.Pow) and f.exp.is_Integer and f.exp > 0 and f.base in _OP_INFO:
            out.extend([f.base] * int(f.exp))
        elif f in _OP_INFO:
            out.append(f)
        else:
            raise TypeError(f"unknown non-commutative factor {f!r}")
    return tuple(out)


def _boson_key(op: sp.Symbol) -> tuple[int, str, str]:
    info = _OP_INFO[op]
    return (0 if info.creation else 1, info.mode, op.name)


@functools.lru_cache(maxsize=None)
def _order_bosons(word: tuple[sp.Symbol, ...]) -> tuple[tuple[tuple[sp.Symbol, ...], int], ...]:
    """Normal-order a word of boson operators: creation left of annihilation, modes sorted.

    Returns ``((word, coefficient), ...)``; uses ``[o, o'^dag] = 1`` for operators of the same mode key.
    """
    for i in range(len(word) - 1):
        x, y = word[i], word[i + 1]
        if _boson_key(x) > _boson_key(y):
            acc: dict[tuple[sp.Symbol, ...], int] = {}
            swapped = word[:i] + (y, x) + word[i + 2 :]
            for w, c in _order_bosons(swapped):
                acc[w] = acc.get(w, 0) + c
            ix, iy = _OP_INFO[x], _OP_INFO[y]
            if ix.mode == iy.mode and not ix.creation and iy.creation:
                for w, c in _order_bosons(word[:i] + word[i + 2 :]):
                    acc[w] = acc.get(w, 0) + c
            return tuple((w, c) for w, c in acc.items() if c != 0)
    return ((word, 1),)


def _atom_matrix(op: sp.Symbol) -> sp.Matrix:
    # basis (e, g): sigma = |g><e| has its 1 in row g (1), column e (0)
    if op == OPS.sigma:
        return sp.Matrix([[0, 0], [1, 0]])
    return sp.Matrix([[0, 1], [0, 0]])


def _reduce_atom(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    """Reduce a product of atom operators to the basis {1, sigma^dag sigma, sigma^dag, sigma}."""
    if not word:
        return sp.Integer(1)
    M = sp.eye(2)
    for op in word:
        M = M * _atom_matrix(op)
    ee, eg, ge, gg = M[0, 0], M[0, 1], M[1, 0], M[1, 1]
    sd, sg = OPS.sigma_dag, OPS.sigma
    return gg + (ee - gg) * sd * sg + eg * sd + ge * sg


def _order_segment(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    bosons = tuple(op for op in word if _OP_INFO[op].kind == "boson")
    atoms = tuple(op for op in word if _OP_INFO[op].kind == "atom")
    atom_expr = _reduce_atom(atoms)
    return sp.Add(*[c * sp.Mul(*w) * atom_expr for w, c in _order_bosons(bosons)])


@functools.lru_cache(maxsize=None)
def _order_word(word: tuple[sp.Symbol, ...]) -> sp.Expr:
    segments: list[list[sp.Symbol]] = [[]]
    for op in word:
        if _OP_INFO[op].kind == "state":
            segments.append([])
        else:
            segments[-1].append(op)
    parts: list[sp.Expr] = []
    for k, seg in enumerate(segments):
        if k:
            parts.append(OPS.rho)
        parts.append(_order_segment(tuple(seg)))
    return sp.expand(sp.Mul(*parts))


def normal_order(expr: sp.Expr) -> sp.Expr:
    """Canonical normal-ordered form of an operator expression.

    Bosons: creation operators left of annihilation operators, modes in the order (a, b, m), using
    ``[o, o^dag] = 1`` (a mode and its fluctuation ``delta o`` share the commutator). Bosons commute with the
    atom. Atom words are reduced with the two-level algebra (``sigma^2 = 0``, ``sigma sigma^dag = 1 -
    sigma^dag sigma``, basis ``{1, sigma^dag sigma, sigma^dag, sigma}``). The density operator ``rho`` commutes
    with nothing: each side of it is ordered separately. Two expressions are equal as operators iff their
    normal-ordered forms are equal, so ``normal_order(A - B) == 0`` proves ``A = B``.
    """
    e = sp.expand(sp.sympify(expr))
    out: list[sp.Expr] = []
    for term in sp.Add.make_args(e):
        if term.is_commutative:
            out.append(term)
            continue
        c_part, nc_part = term.args_cnc()
        out.append(sp.Mul(*c_part) * _order_word(_word(nc_part)))
    return sp.expand(sp.Add(*out))


def dagger(expr: sp.Expr) -> sp.Expr:
    """Hermitian adjoint: reverses operator products, daggers the operators, conjugates c-numbers."""
    e = sp.sympify(expr)
    if e.is_Add:
        return sp.Add(*[dagger(x) for x in e.args])
    if e.is_Mul:
        c_part, nc_part = e.args_cnc()
        return sp.Mul(*[sp.conjugate(x) for x in c_part]) * sp.Mul(*[dagger(x) for x in reversed(nc_part)])
    if e.is_Pow and not e.is_commutative:
        return dagger(e.base) ** e.exp
    if e in _PARTNER:
        return _PARTNER[e]
    if e == OPS.rho:
        return e
    if e.is_commutative:
        return sp.conjugate(e)
    raise TypeError(f"cannot take the adjoint of {e!r}")


def commutator(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """``[x, y]`` in normal-ordered form."""
    return normal_order(x * y - y * x)


def _term_word(term: sp.Expr) -> tuple[sp.Symbol, ...]:
    if term.is_commutative:
        return ()
    return _word(term.args_cnc()[1])


def fluctuation_order(term: sp.Expr) -> int:
    """Number of bosonic fluctuation operators (``delta a``, ``delta b^dag``, ...) in a monomial."""
    return sum(1 for op in _term_word(term) if _OP_INFO[op].fluctuation)


def _has_atom(term: sp.Expr) -> bool:
    return any(_OP_INFO[op].kind == "atom" for op in _term_word(term))


def _has_boson(term: sp.Expr) -> bool:
    return any(_OP_INFO[op].kind == "boson" for op in _term_word(term))


def atom_part(expr: sp.Expr) -> sp.Expr:
    """Sum of the monomials of ``expr`` (normal-ordered) that contain atom operators only (S12 from S11)."""
    e = normal_order(expr)
    return sp.Add(*[x for x in sp.Add.make_args(e) if _has_atom(x) and not _has_boson(x)])


def collect_operators(expr: sp.Expr) -> dict[sp.Expr, sp.Expr]:
    """Map each operator monomial of the normal-ordered ``expr`` to its c-number coefficient (1 for c-numbers)."""
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(normal_order(expr)):
        if term.is_commutative:
            key: sp.Expr = sp.Integer(1)
            coeff = term
        else:
            c_part, nc_part = term.args_cnc()
            key, coeff = sp.Mul(*nc_part), sp.Mul(*c_part)
        out[key] = out.get(key, sp.Integer(0)) + coeff
    return {k: v for k, v in out.items() if v != 0}


def _split_by(expr: sp.Expr, pred: Any) -> tuple[sp.Expr, sp.Expr]:
    yes, no = [], []
    for term in sp.Add.make_args(sp.expand(expr)):
        (yes if pred(term) else no).append(term)
    return sp.Add(*yes), sp.Add(*no)


def _is_zero_operator(expr: sp.Expr) -> bool:
    return all(sp.simplify(c) == 0 for c in collect_operators(expr).values())


# --------------------------------------------------------------------------- derivation containers
@dataclass(frozen=True)
class Step:
    """One named step of the derivation.

    Attributes
    ----------
    name
        Short name of the step (``"rotating frame"``, ``"displacement"``, ...).
    equation
        The Supplemental Material equation it produces (``"S1"`` ... ``"S11"``).
    description
        What was done, in words (the assumptions and conventions of the step).
    exprs
        The SymPy objects of the step (read-only mapping from a short key to an expression).
    """

    name: str
    equation: str
    description: str
    exprs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Linearization:
    """Result of :func:`derive_linearization` (S1 -> S11 = Eq. 1).

    Attributes
    ----------
    steps
        The ordered steps S1, S2, ..., S11.
    H_S2
        Rotating-frame Hamiltonian (S2), derived from S1.
    H_kappa
        Hamiltonian generated by the displaced dissipators (S4): ``i kappa_a/2 (alpha^* da - alpha da^dag) + ...``.
    H1, H2
        The split of S5 and S6 (``H1``: c-number and linear fluctuation terms without atom operators).
    c_number
        The c-number part of ``H1`` (drops out of ``[H1, rho]``).
    linear_part
        The linear part of ``H1``.
    mean_field_equations
        ``{"alpha": E_a, "beta": E_b, "mu": E_m}``: S8 reads ``E = 0``; ``E_o`` is the coefficient of
        ``delta o^dag`` in ``H1`` (the coefficient of ``delta o`` is ``E_o^*``).
    H_S7
        ``H2`` after the phase convention and the renaming of the couplings (S7).
    dropped_terms
        The cubic terms removed in S10 (in the fluctuations).
    H_eff
        S10.
    H_final
        S11 = Eq. (1), in the operators ``a, b, m, sigma`` and the symbols of :mod:`nrbundle.analytic.symbols`
        (``Delta_F`` signed).
    definitions
        Definitions introduced on the way (``lambda_ab``, ``lambda_am``, ``lambda_as``, ``xi``, ``Delta_ad``,
        ``Delta_sa``) as expressions of the bare quantities.
    conventions
        Conventions and assumptions made (text).
    errata
        Places where the derivation differs from the printed Supplement (text).
    """

    steps: tuple[Step, ...]
    H_S2: sp.Expr
    H_kappa: sp.Expr
    H1: sp.Expr
    H2: sp.Expr
    c_number: sp.Expr
    linear_part: sp.Expr
    mean_field_equations: Mapping[str, sp.Expr]
    H_S7: sp.Expr
    dropped_terms: sp.Expr
    H_eff: sp.Expr
    H_final: sp.Expr
    definitions: Mapping[sp.Symbol, sp.Expr]
    conventions: tuple[str, ...]
    errata: tuple[str, ...]

    def step(self, equation: str) -> Step:
        """The step that produces ``equation`` (e.g. ``"S5"``)."""
        for st in self.steps:
            if st.equation == equation:
                return st
        raise KeyError(f"no step for equation {equation!r}")


# --------------------------------------------------------------------------- the derivation
def hamiltonian_S1() -> sp.Expr:
    """Lab-frame Hamiltonian (S1) with time-dependent drives on the cavity (``xi_d``) and the atom (``xi_p``)."""
    o = OPS
    ad_a = o.a_dag * o.a
    w = s.omega_d * t
    return (
        (s.omega_a + s.Delta_F) * ad_a
        + s.omega_b * o.b_dag * o.b
        + s.omega_m * o.m_dag * o.m
        + s.omega_s * o.sigma_dag * o.sigma
        + s.lambdap_ab * ad_a * (o.b_dag + o.b)
        + s.lambdap_am * ad_a * (o.m_dag + o.m)
        + s.lambdap_as * (o.a_dag * o.sigma + o.a * o.sigma_dag)
        + s.xi_d * (o.a_dag * sp.exp(-sp.I * w) + o.a * sp.exp(sp.I * w))
        + s.xi_p * (o.sigma_dag * sp.exp(-sp.I * w) + o.sigma * sp.exp(sp.I * w))
    )


def _lindblad(op: sp.Expr, rate: sp.Expr) -> sp.Expr:
    rho = OPS.rho
    opd = dagger(op)
    return rate / 2 * (2 * op * rho * opd - opd * op * rho - rho * opd * op)


def _rotating_frame(H: sp.Expr) -> tuple[sp.Expr, dict[str, int], sp.Expr, sp.Expr]:
    """S1 -> S2. Returns (H_S2, charges of the monomials, N, U)."""
    o = OPS
    N = o.a_dag * o.a + o.sigma_dag * o.sigma
    U = sp.exp(sp.I * s.omega_d * t * N)
    out = []
    charges: dict[str, int] = {}
    for term in sp.Add.make_args(normal_order(H)):
        word = _term_word(term)
        q = sum((1 if _OP_INFO[op].creation else -1) for op in word if _OP_INFO[op].mode in ("a", "atom"))
        # [N, T] = q T  =>  U T U^dag = exp(i q omega_d t) T  (BCH with ad_N^k T = q^k T)
        if not _is_zero_operator(commutator(N, term) - q * term):
            raise AssertionError(f"monomial {term} is not an eigen-operator of ad_N")
        charges[str(sp.Mul(*word)) if word else "1"] = q
        out.append(term * sp.exp(sp.I * q * s.omega_d * t))
    H_rot = normal_order(sp.powsimp(sp.expand(sp.Add(*out))) - s.omega_d * N)
    H_rot = sp.expand(sp.powsimp(H_rot))
    if t in H_rot.free_symbols:
        raise AssertionError("the rotating frame did not remove the time dependence")
    return H_rot, charges, N, U


def _displace(expr: sp.Expr) -> sp.Expr:
    o = OPS
    rep = {
        o.a: alpha + o.da,
        o.a_dag: sp.conjugate(alpha) + o.da_dag,
        o.b: beta + o.db,
        o.b_dag: sp.conjugate(beta) + o.db_dag,
        o.m: mu + o.dm,
        o.m_dag: sp.conjugate(mu) + o.dm_dag,
    }
    return expr.xreplace(rep)


def _left_right(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Split a superoperator expression (each term contains one rho) into A rho + rho B + (X rho Y rest)."""
    A, B, rest = [], [], []
    for term in sp.Add.make_args(sp.expand(expr)):
        c_part, nc_part = term.args_cnc()
        word = _word(nc_part)
        k = word.index(OPS.rho)
        left, right = word[:k], word[k + 1 :]
        c = sp.Mul(*c_part)
        if not right:
            A.append(c * sp.Mul(*left))
        elif not left:
            B.append(c * sp.Mul(*right))
        else:
            rest.append(term)
    return sp.Add(*A), sp.Add(*B), sp.Add(*rest)


def _commutator_hamiltonian(lin: sp.Expr) -> sp.Expr:
    """Find H with ``lin = -i [H, rho]`` (``lin = A rho + rho B`` with ``B = -A``), H = i A."""
    A, B, rest = _left_right(lin)
    if rest != 0 or not _is_zero_operator(A + B):
        raise AssertionError("the linear dissipator terms are not a commutator")
    return normal_order(sp.I * A)


def _coefficient(expr: sp.Expr, monomial: sp.Expr) -> sp.Expr:
    return collect_operators(expr).get(monomial, sp.Integer(0))


@functools.lru_cache(maxsize=1)
def derive_linearization() -> Linearization:
    """Derive Eq. (1) = (S11) from the lab-frame Hamiltonian (S1) and the master equation (S3).

    Every step is computed, none is typed in except the starting point S1, the Lindblad form of S3, the
    displacement of S4, the renaming of S7 and the definitions of Delta_ad and Delta_sa of S11 (which are
    definitions). See the module docstring for the chain and the conventions.

    Returns
    -------
    Linearization
        The steps and the intermediate Hamiltonians (cached: the same object on every call).
    """
    o = OPS
    rho = o.rho
    steps: list[Step] = []
    conventions: list[str] = []
    errata: list[str] = []

    # ---- S1
    H1_lab = hamiltonian_S1()
    steps.append(
        Step(
            "lab frame",
            "S1",
            "Hamiltonian of the driven cavity (Fizeau-shifted by Delta_F), mechanical mode b, magnon mode m and "
            "two-level atom sigma = |g><e|, with radiation-pressure-type couplings lambda'_ab, lambda'_am, "
            "Jaynes-Cummings coupling lambda'_as and drives xi_d (cavity) and xi_p (atom) at omega_d.",
            MappingProxyType({"H": H1_lab}),
        )
    )

    # ---- S2
    H_S2, charges, N, U = _rotating_frame(H1_lab)
    steps.append(
        Step(
            "rotating frame",
            "S2",
            "Unitary U = exp(i omega_d t N), N = a^dag a + sigma^dag sigma. Each monomial T of S1 obeys "
            "[N, T] = q T (q = number of a^dag, sigma^dag minus number of a, sigma; checked by normal ordering), "
            "so U T U^dag = exp(i q omega_d t) T, and H -> U H U^dag + i (dU/dt) U^dag = U H U^dag - omega_d N. "
            "The drives become time independent.",
            MappingProxyType({"N": N, "U": U, "charges": MappingProxyType(charges), "H": H_S2}),
        )
    )

    # ---- S3
    rates = ((o.a, s.kappa_a), (o.b, s.kappa_b), (o.m, s.kappa_m))
    diss = sp.Add(*[_lindblad(op, k) for op, k in rates])
    diss_atom = _lindblad(o.sigma, s.gamma)
    master = -sp.I * (H_S2 * rho - rho * H_S2) + diss + diss_atom
    steps.append(
        Step(
            "master equation",
            "S3",
            "Lindblad master equation with decay rates kappa_a, kappa_b, kappa_m of the three bosonic modes and "
            "gamma of the atom (Eq. (2) of the main text has kappa_a = kappa_b = kappa_m = kappa).",
            MappingProxyType({"drho_dt": master, "dissipator": diss + diss_atom}),
        )
    )

    # ---- S4: displacement inside the master equation
    disp_diss = sp.expand(_displace(diss))
    parts: dict[int, list[sp.Expr]] = {0: [], 1: [], 2: []}
    for term in sp.Add.make_args(disp_diss):
        parts[fluctuation_order(term)].append(term)
    diss0 = sp.Add(*parts[0])
    diss1 = sp.Add(*parts[1])
    diss2 = sp.Add(*parts[2])
    if normal_order(diss0) != 0:
        raise AssertionError("the c-number part of the displaced dissipators does not cancel")
    fluct_rates = ((o.da, s.kappa_a), (o.db, s.kappa_b), (o.dm, s.kappa_m))
    diss_fluct = sp.Add(*[_lindblad(op, k) for op, k in fluct_rates])
    if normal_order(diss2 - diss_fluct) != 0:
        raise AssertionError("the quadratic part of the displaced dissipators is not the fluctuation Lindbladian")
    H_kappa = _commutator_hamiltonian(diss1)
    H_disp = normal_order(_displace(H_S2))
    steps.append(
        Step(
            "displacement",
            "S4",
            "The optical, phonon and magnon modes are shifted by their mean values, a = alpha + delta a, "
            "b = beta + delta b, m = mu + delta m, inside the master equation (the Supplement's text says "
            "'optical, phonon, and mechanical modes'; the third is the magnon mode). The displaced dissipators "
            "split into a c-number part (cancels), a part linear in the fluctuations that equals "
            "-i[H_kappa, rho], and the Lindblad terms of the fluctuations. The atom is not displaced.",
            MappingProxyType(
                {
                    "H_displaced": H_disp,
                    "dissipator_constant": diss0,
                    "dissipator_linear": diss1,
                    "dissipator_fluctuations": diss_fluct,
                    "H_kappa": H_kappa,
                }
            ),
        )
    )

    # ---- S5, S6: split by order in the fluctuations
    H_total = normal_order(H_disp + H_kappa)

    def in_H1(term: sp.Expr) -> bool:
        return not _has_atom(term) and fluctuation_order(term) <= 1

    H1, H2 = _split_by(H_total, in_H1)
    c_number, linear_part = _split_by(H1, lambda term: fluctuation_order(term) == 0)
    steps.append(
        Step(
            "mean-field Hamiltonian",
            "S5",
            "H1: the c-number and the terms linear in the bosonic fluctuations (no atom operator), including the "
            "terms +i kappa_a alpha^*/2 delta a - i kappa_a alpha/2 delta a^dag (and the same for b, m) that "
            "come from the displaced dissipators.",
            MappingProxyType({"H1": H1, "c_number": c_number, "linear": linear_part}),
        )
    )
    orders = {k: sp.Add(*[x for x in sp.Add.make_args(H2) if fluctuation_order(x) == k]) for k in (0, 1, 2, 3)}
    steps.append(
        Step(
            "fluctuation Hamiltonian",
            "S6",
            "H2: the terms quadratic and cubic in the bosonic fluctuations and every term containing an atom "
            "operator (the atom is not displaced, so sigma-terms stay here whatever their bosonic order).",
            MappingProxyType({"H2": H2, **{f"order_{k}": v for k, v in orders.items()}}),
        )
    )

    # ---- S7: phase convention and renaming
    gauge = {
        o.da: sp.exp(sp.I * phi_alpha) * o.da,
        o.da_dag: sp.exp(-sp.I * phi_alpha) * o.da_dag,
        o.sigma: sp.exp(sp.I * phi_alpha) * o.sigma,
        o.sigma_dag: sp.exp(-sp.I * phi_alpha) * o.sigma_dag,
        alpha: alpha_abs * sp.exp(sp.I * phi_alpha),
        sp.conjugate(alpha): alpha_abs * sp.exp(-sp.I * phi_alpha),
    }
    H2_gauge = normal_order(H2.xreplace(gauge))
    residual_phase = normal_order(
        s.xi_p * ((sp.exp(-sp.I * phi_alpha) - 1) * o.sigma_dag + (sp.exp(sp.I * phi_alpha) - 1) * o.sigma)
    )
    H2_phase0 = normal_order(H2_gauge - residual_phase)
    if phi_alpha in H2_phase0.free_symbols:
        raise AssertionError("the gauge transformation left a phase outside the atomic-pump term")
    rename = [
        (s.lambdap_as * alpha_abs, s.xi - s.xi_p),
        (s.lambdap_ab * alpha_abs, s.lambda_ab),
        (s.lambdap_am * alpha_abs, s.lambda_am),
        (s.lambdap_as, s.lambda_as),
    ]
    H_S7 = sp.expand(H2_phase0)
    for old, new in rename:
        H_S7 = sp.expand(H_S7.subs(old, new))
    H_S7 = normal_order(H_S7)
    if alpha_abs in H_S7.free_symbols:
        raise AssertionError("|alpha| survived the renaming of S7")
    definitions = {
        s.lambda_ab: s.lambdap_ab * alpha_abs,
        s.lambda_am: s.lambdap_am * alpha_abs,
        s.lambda_as: s.lambdap_as,
        s.xi: s.lambdap_as * alpha_abs + s.xi_p,
    }
    conventions.append(
        "Phase convention (S7): alpha = |alpha| exp(i phi); the gauge transformation delta a -> exp(i phi) delta a, "
        "sigma -> exp(i phi) sigma (which leaves the Lindblad terms invariant) removes phi from every term except "
        "the atomic pump, which becomes xi_p (exp(-i phi) sigma^dag + h.c.). We take phi = 0 (alpha real and "
        "positive: the atomic pump phase-locked to the intracavity field); for xi_p = 0 the phase is irrelevant."
    )
    steps.append(
        Step(
            "renaming of the couplings",
            "S7",
            "Write alpha = |alpha| exp(i phi), apply the gauge transformation (phase convention phi = 0, see "
            "conventions) and rename lambda_ab = lambda'_ab |alpha|, lambda_am = lambda'_am |alpha|, "
            "lambda_as = lambda'_as, xi = lambda'_as |alpha| + xi_p.",
            MappingProxyType(
                {
                    "H2_gauge": H2_gauge,
                    "residual_for_phi": residual_phase,
                    "H": H_S7,
                    **{str(k): v for k, v in definitions.items()},
                }
            ),
        )
    )

    # ---- S8: mean-field equations from the linear part of H1
    mf: dict[str, sp.Expr] = {}
    for name, op, opd in (("alpha", o.da, o.da_dag), ("beta", o.db, o.db_dag), ("mu", o.dm, o.dm_dag)):
        E = sp.expand(_coefficient(linear_part, opd))
        E_conj = sp.expand(_coefficient(linear_part, op))
        if sp.expand(sp.conjugate(E) - E_conj) != 0:
            raise AssertionError(f"linear part of H1 is not Hermitian for {name}")
        mf[name] = E
    rebuilt = sp.Add(
        *[
            mf[name] * opd + sp.conjugate(mf[name]) * op
            for name, op, opd in (("alpha", o.da, o.da_dag), ("beta", o.db, o.db_dag), ("mu", o.dm, o.dm_dag))
        ]
    )
    if normal_order(linear_part - rebuilt) != 0:
        raise AssertionError("linear part of H1 is not sum_o (E_o delta o^dag + h.c.)")
    errata.append(
        "S8, first line: the damping term reads -(i/2) alpha kappa; the coefficient of delta a^dag in H1 (S5) "
        "gives -(i/2) alpha kappa_a (equal only when kappa_a = kappa)."
    )
    steps.append(
        Step(
            "mean-field equations",
            "S8",
            "The linear part of H1 is sum_o (E_o delta o^dag + E_o^* delta o); it vanishes iff E_alpha = E_beta = "
            "E_mu = 0 (the steady-state mean-field equations). The cavity equation carries kappa_a.",
            MappingProxyType({f"E_{k}": v for k, v in mf.items()}),
        )
    )

    # ---- S9
    master_fluct = -sp.I * (H2 * rho - rho * H2) + diss_fluct + diss_atom
    steps.append(
        Step(
            "fluctuation master equation",
            "S9",
            "With S8 the linear part of H1 vanishes; its c-number part commutes with rho and drops out, so the "
            "fluctuations evolve with H2 and the Lindblad terms of delta a, delta b, delta m and sigma.",
            MappingProxyType({"drho_dt": master_fluct, "dropped_c_number": c_number}),
        )
    )

    # ---- S10: drop the cubic terms
    dropped, H_eff = _split_by(H_S7, lambda term: fluctuation_order(term) == 3)
    steps.append(
        Step(
            "strong-drive approximation",
            "S10",
            "For |alpha| >> 1 (lambda'_ab << lambda_ab, lambda'_am << lambda_am) the cubic terms "
            "lambda'_ab da^dag da (db^dag + db) + lambda'_am da^dag da (dm^dag + dm) are dropped.",
            MappingProxyType({"H": H_eff, "dropped": dropped}),
        )
    )

    # ---- S11
    shift = s.lambdap_ab * (sp.conjugate(beta) + beta) + s.lambdap_am * (sp.conjugate(mu) + mu)
    defs11 = {
        s.Delta_ad: s.omega_a - s.omega_d + shift,
        s.Delta_sa: s.omega_s - s.omega_a - shift,
    }
    sol = sp.solve([sp.Eq(k, v) for k, v in defs11.items()], [s.omega_a, s.omega_s], dict=True)[0]
    rename_ops = {o.da: o.a, o.da_dag: o.a_dag, o.db: o.b, o.db_dag: o.b_dag, o.dm: o.m, o.dm_dag: o.m_dag}
    H_final = normal_order(sp.expand(H_eff.xreplace(rename_ops).subs(sol)))
    definitions.update(defs11)
    steps.append(
        Step(
            "Eq. (1)",
            "S11",
            "Rename delta o -> o and introduce Delta_ad = omega_a - omega_d + lambda'_ab (beta^* + beta) + "
            "lambda'_am (mu^* + mu) and Delta_sa = omega_sigma - omega_a - lambda'_ab (beta^* + beta) - "
            "lambda'_am (mu^* + mu), so that omega_sigma - omega_d = Delta_ad + Delta_sa (= Delta_sd of Eq. 1).",
            MappingProxyType({"H": H_final, "Delta_ad": defs11[s.Delta_ad], "Delta_sa": defs11[s.Delta_sa]}),
        )
    )

    return Linearization(
        steps=tuple(steps),
        H_S2=H_S2,
        H_kappa=H_kappa,
        H1=H1,
        H2=H2,
        c_number=c_number,
        linear_part=linear_part,
        mean_field_equations=MappingProxyType(mf),
        H_S7=H_S7,
        dropped_terms=dropped,
        H_eff=H_eff,
        H_final=H_final,
        definitions=MappingProxyType(definitions),
        conventions=tuple(conventions),
        errata=tuple(errata),
    )
