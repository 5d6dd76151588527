"""The only exit from symbols to numbers: lambdify with a fixed, documented argument order.

Every lambdified function of nrbundle takes its arguments in :data:`ARG_ORDER` (a subset of it, in that order,
as recorded on the returned :class:`NumericFunction`), broadcasts over NumPy arrays, and can be called with a
:class:`~nrbundle.params.Params` through :meth:`NumericFunction.at`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..params import Params, check_params, fizeau_sign
from . import symbols as s

__all__ = ["ARG_ORDER", "NumericFunction", "lambdify_expr", "dressed_substitutions", "parameter_values"]

#: Canonical argument order of every lambdified function (a function uses the subset its expression needs).
#: ``Delta_F`` here is the *signed* shift; ``Delta_F_abs`` its magnitude.
ARG_ORDER: tuple[sp.Symbol, ...] = (
    s.Delta_ad,
    s.Delta_sa,
    s.Delta_F,
    s.Delta_F_abs,
    s.omega_b,
    s.omega_m,
    s.lambda_as,
    s.lambda_ab,
    s.lambda_am,
    s.xi,
    s.gamma,
    s.kappa,
    s.kappa_a,
    s.kappa_b,
    s.kappa_m,
)


def dressed_substitutions() -> dict[sp.Symbol, sp.Expr]:
    """Express the dressed shorthands (D, R, E_+-, c_+-) through the model parameters (S12-S15)."""
    D = s.Delta_sa + s.Delta_ad
    R = sp.sqrt(D**2 + 4 * s.xi**2)
    return {
        s.E_plus: (D + R) / 2,
        s.E_minus: (D - R) / 2,
        s.c_plus: sp.sqrt((1 - D / R) / 2),
        s.c_minus: sp.sqrt((1 + D / R) / 2),
        s.D: D,
        s.R: R,
    }


def parameter_values(params: Params, direction: str | None = None) -> dict[str, float]:
    """Values of the :data:`ARG_ORDER` symbols (except ``Delta_ad``) for a parameter set and direction."""
    rates = check_params(params).rates
    vals = {
        "Delta_sa": params.Delta_sa,
        "Delta_F_abs": params.Delta_F,
        "omega_b": params.omega_b,
        "omega_m": params.omega_m,
        "lambda_as": params.lambda_as,
        "lambda_ab": params.lambda_ab,
        "lambda_am": params.lambda_am,
        "xi": params.xi,
        "gamma": params.gamma,
        "kappa": params.kappa,
        "kappa_a": rates["kappa_a"],
        "kappa_b": rates["kappa_b"],
        "kappa_m": rates["kappa_m"],
    }
    if direction is not None:
        vals["Delta_F"] = fizeau_sign(direction) * params.Delta_F
    return vals


@dataclass(frozen=True)
class NumericFunction:
    """A lambdified expression with its argument order.

    Attributes
    ----------
    expr
        The SymPy expression (after the dressed shorthands were substituted).
    args
        The symbols it takes, in :data:`ARG_ORDER` order.
    func
        The NumPy function ``func(*values)``; broadcasts over arrays.
    """

    expr: sp.Expr
    args: tuple[sp.Symbol, ...]
    func: Callable[..., Any]

    @property
    def arg_names(self) -> tuple[str, ...]:
        """Names of the positional arguments, in order."""
        return tuple(a.name for a in self.args)

    def __call__(self, *values: Any) -> Any:
        return self.func(*values)

    def at(self, params: Params, direction: str | None = None, **values: Any) -> Any:
        """Evaluate with the values of ``params`` (and ``direction``), overridden/extended by ``values``.

        ``Delta_ad`` (usually an array) must be given in ``values`` if the expression needs it.
        """
        known = parameter_values(params, direction)
        known.update(values)
        missing = [a.name for a in self.args if a.name not in known]
        if missing:
            raise TypeError(f"missing values for {', '.join(missing)}")
        return self.func(*(np.asarray(known[a.name], dtype=float) for a in self.args))


def lambdify_expr(
    expr: sp.Expr, *, substitute_dressed: bool = True, order: Sequence[sp.Symbol] = ARG_ORDER
) -> NumericFunction:
    """Lambdify ``expr`` into a vectorised NumPy function with arguments in :data:`ARG_ORDER` order.

    Parameters
    ----------
    expr
        Expression in the model symbols; D, R, E_+-, c_+- are replaced by their S12-S15 forms first unless
        ``substitute_dressed`` is False.
    order
        Canonical order; the function takes the free symbols of ``expr`` in this order. A free symbol not in
        ``order`` is an error.
    """
    e = sp.sympify(expr)
    if substitute_dressed:
        # xreplace, not subs: the keys are symbols that no value contains, so both give the same expression, and
        # the structural replacement is ~30x faster on the shifted resonance conditions
        e = e.xreplace(dressed_substitutions())
    free = e.free_symbols
    unknown = free - set(order)
    if unknown:
        raise ValueError(f"expression has symbols outside the argument order: {sorted(map(str, unknown))}")
    args = tuple(sym for sym in order if sym in free)
    func = sp.lambdify(args, e, modules="numpy", cse=True)
    return NumericFunction(expr=e, args=args, func=func)
