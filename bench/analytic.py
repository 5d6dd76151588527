"""Benchmark and accuracy table of the Schrieffer-Wolff modules (nrbundle.analytic.schrieffer_wolff, .effective).

Run:  python bench/analytic.py [--no-ed] [--orders 0,2,4,6,8]

Measures (one core; BLAS pinned to one thread):
  * cold derivation time through fourth order for |101-> and |110-> (what the LaTeX effective section needs), and
    of effective_section itself;
  * lambdify time of the shifted resonance condition;
  * evaluation of the vectorised condition at 10^4 parameter points (requirement: < 1 s);
  * the cost of one corrected_resonance call (symbolic, order 4; float recursion, order 6);
  * accuracy at preset fig1 against exact diagonalization (cutoff 5; cutoff 4 shows the convergence):
    resonance error in units of the crossing width 2|g_ED|, and the relative error of |g_eff|, per shift order.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize_scalar  # noqa: E402

from nrbundle.analytic import effective as ef  # noqa: E402
from nrbundle.analytic.dressed_states import state_label  # noqa: E402
from nrbundle.analytic.latex import effective_section  # noqa: E402
from nrbundle.analytic.schrieffer_wolff import effective_hamiltonian, numeric_effective_blocks  # noqa: E402
from nrbundle.params import get_preset  # noqa: E402
from nrbundle.transitions import PAPER_TRANSITIONS  # noqa: E402

TRANSITIONS = [(t.target, t.direction) for t in PAPER_TRANSITIONS]


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def ed_minimum(params, target, direction, cutoff, centre, width=0.004):
    """Minimum of the splitting of the two eigenstates carrying most of |000+> and |target->."""
    from nrbundle.numeric.model import Model  # deferred: QuTiP is needed only for the ED table (skipped by --no-ed)

    model = Model(params, direction, cutoff)

    def half_split(x):
        w, v = np.linalg.eigh(model.H_matrix(x))
        a = model.state(0, 0, 0, "+", x).full().ravel()
        b = model.state(*target, "-", x).full().ravel()
        weight = np.abs(a.conj() @ v) ** 2 + np.abs(b.conj() @ v) ** 2
        i, j = np.argsort(weight)[-2:]
        return 0.5 * abs(w[i] - w[j])

    res = minimize_scalar(half_split, bounds=(centre - width, centre + width), method="bounded",
                          options={"xatol": 1e-10})
    return float(res.x), float(res.fun)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-ed", action="store_true", help="skip the accuracy table (exact diagonalization)")
    ap.add_argument("--orders", default="0,2,4,6,8", help="shift orders of the accuracy table")
    args = ap.parse_args()
    p = get_preset("fig1")

    print("## Derivation (cold caches)")
    total = 0.0
    for tgt in ((1, 0, 1), (1, 1, 0)):
        H, dt = timed(effective_hamiltonian, tgt, 4)
        total += dt
        sizes = {n: len(str(H.shift_P[n])) + len(str(H.shift_T[n])) + len(str(H.coupling[n])) for n in H.shift_P}
        print(f"effective_hamiltonian({tgt}, 4): {dt:.2f} s, basis {len(H.basis)} states, "
              f"g_eff order {H.g_eff_order}, characters per order {sizes}")
    print(f"both paper targets through fourth order: {total:.2f} s")
    _, dt = timed(ef.resonance_condition_function, (1, 0, 1), 4)
    print(f"resonance_condition_function((1,0,1), 4) lambdify (first call): {dt:.2f} s")
    _, dt = timed(effective_section)
    print(f"effective_section() (derivations cached): {dt:.2f} s")
    _, dt = timed(effective_section, p)
    print(f"effective_section(fig1) incl. lambdify + 4 corrected resonances: {dt:.2f} s")
    for order in (5,):
        _, dt = timed(effective_hamiltonian, (1, 0, 1), order)
        print(f"effective_hamiltonian((1, 0, 1), {order}): {dt:.2f} s")

    print("\n## Vectorised condition")
    fn, dt = timed(ef.resonance_condition_function, (1, 1, 0), 4)
    print(f"resonance_condition_function((1,1,0), 4) (lambdify, first call): {dt:.2f} s; args {fn.arg_names}")
    rng = np.random.default_rng(1)
    n = 10_000
    vals = {
        "Delta_ad": rng.uniform(1.30, 1.42, n),
        "Delta_sa": rng.uniform(-3.3, -2.9, n),
        "Delta_F": rng.uniform(-0.03, 0.03, n),
        "omega_b": np.ones(n),
        "omega_m": rng.uniform(1.0, 1.1, n),
        "lambda_as": rng.uniform(0.1, 0.3, n),
        "lambda_ab": rng.uniform(0.01, 0.03, n),
        "lambda_am": rng.uniform(0.01, 0.03, n),
        "xi": rng.uniform(0.7, 0.9, n),
    }
    argv = [vals[a] for a in fn.arg_names]
    fn(*argv)
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        out = fn(*argv)
    dt = (time.perf_counter() - t0) / reps
    finite = np.isfinite(out).all()
    print(f"10^4 parameter points: {dt * 1e3:.1f} ms per call (requirement < 1000 ms); finite: {finite}")

    print("\n## corrected_resonance (warm)")
    ef.corrected_resonance(p, (1, 0, 1), "left", 4)
    _, dt = timed(ef.corrected_resonance, p, (1, 0, 1), "left", 4)
    print(f"symbolic, shift order 4: {dt * 1e3:.1f} ms")
    _, dt = timed(ef.corrected_resonance, p, (1, 0, 1), "left", 6)
    print(f"float recursion, shift order 6: {dt * 1e3:.1f} ms")
    _, dt = timed(ef.corrected_resonance, p, (1, 0, 1), "left", 8)
    print(f"float recursion, shift order 8: {dt * 1e3:.1f} ms")

    if args.no_ed:
        return
    orders = [int(k) for k in args.orders.split(",")]
    print("\n## Accuracy at fig1 against exact diagonalization (cutoff 5)")
    print("err = (Delta_ad(K) - Delta_ad(ED)) / (2 |g_ED|); tolerance 0.05")
    header = "| transition | ED Delta_ad | g_ED | cutoff 4-5 shift / (2g) | " + " | ".join(
        f"K={k}" for k in orders) + " | g3 rel. err | (g3+g5) rel. err | 3-level K=6 pos / g | 3-level K=8 pos / g |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for tgt, direction in TRANSITIONS:
        centre = ef.corrected_resonance(p, tgt, direction, 6).Delta_ad
        x5, g5 = ed_minimum(p, tgt, direction, 5, centre)
        x4, _ = ed_minimum(p, tgt, direction, 4, centre)
        cells = []
        for k in orders:
            r = ef.corrected_resonance(p, tgt, direction, k)
            cells.append(f"{(r.Delta_ad - x5) / (2 * g5):+.4f}")
        r4 = ef.corrected_resonance(p, tgt, direction, 4)
        blocks = numeric_effective_blocks(p, tgt, direction, r4.Delta_ad, 5)
        g35 = blocks[3][0, 1] + blocks[5][0, 1]
        partner = (1, 1, 0) if tgt == (1, 0, 1) else (1, 0, 1)
        three = []
        for k in (6, 8):
            c = ef.effective_crossing(p, tgt, direction, k, spectators=[partner])
            three.append(f"{(c.Delta_ad - x5) / (2 * g5):+.4f} / {c.g_eff / g5 - 1:+.4f}")
        label = f"{state_label((*tgt, -1))} {direction}"
        print(f"| {label} | {x5:.6f} | {g5:.4e} | {(x4 - x5) / (2 * g5):+.1e} | " + " | ".join(cells)
              + f" | {abs(r4.g_eff) / g5 - 1:+.4f} | {abs(g35) / g5 - 1:+.4f} | " + " | ".join(three) + " |")


if __name__ == "__main__":
    main()
