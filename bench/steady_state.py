"""Benchmark: nrbundle's steady-state solver against qutip.steadystate (default method), side by side.

Run:  python bench/steady_state.py                      (cutoffs 2..6, QuTiP up to N = 4)
      python bench/steady_state.py --cutoffs 2 3 --qutip-max 3      (quick)

Both solvers run in this one process on one core (BLAS threads pinned to 1 before NumPy is imported),
on the model of Eq. (1)-(2) at preset fig1, left drive, Delta_ad = 1.34, N Fock levels per mode
(dimension 2 N^3). Columns: dimension, wall time of nrbundle.numeric.steady.steady_state (best of
--repeat runs, and its CPU time), wall time of qutip.steadystate, the ratio, both relative residuals
||L rho||_F / s_L (same formula for both states), GMRES iterations and the trace distance.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import qutip  # noqa: E402
import scipy  # noqa: E402

from nrbundle.numeric.model import Model  # noqa: E402
from nrbundle.numeric.steady import liouvillian_residual, steady_state  # noqa: E402
from nrbundle.params import get_preset  # noqa: E402


def machine_info() -> list[str]:
    """Lines describing the machine and the software stack."""
    model, cpus = "unknown", str(os.cpu_count())
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("CPU(s):"):
                cpus = line.split(":", 1)[1].strip()
    except OSError:
        pass
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name')} {b.get('version')}"
    except Exception:
        pass
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    return [
        f"machine : {model}, {cpus} logical CPUs (this run: 1 thread), load average {load}",
        f"python  : {platform.python_version()}  numpy {np.__version__}  scipy {scipy.__version__}  qutip {qutip.__version__}",
        f"BLAS    : {blas}",
    ]


def tracedist(A: np.ndarray, B: np.ndarray) -> float:
    return float(0.5 * np.abs(np.linalg.eigvalsh(A - B)).sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cutoffs", type=int, nargs="+", default=[2, 3, 4, 5, 6], help="Fock levels per mode")
    ap.add_argument("--qutip-max", type=int, default=4, help="largest N given to qutip.steadystate")
    ap.add_argument("--Delta-ad", type=float, default=1.34)
    ap.add_argument("--direction", default="left")
    ap.add_argument("--tol", type=float, default=1e-10, help="relative residual asked of steady_state")
    ap.add_argument("--repeat", type=int, default=3, help="runs of steady_state per cutoff (best wall time kept)")
    args = ap.parse_args(argv)

    print("command :", " ".join([os.path.basename(sys.executable), *sys.argv]))
    for line in machine_info():
        print(line)
    print(f"model   : preset fig1, direction {args.direction}, Delta_ad = {args.Delta_ad}, tol = {args.tol:g}")
    print()
    head = (
        f"{'N':>2} {'dim':>5} {'ours [s]':>9} {'ours cpu':>9} {'iters':>5} {'qutip [s]':>10} {'ratio':>8} "
        f"{'res ours':>9} {'res qutip':>9} {'trace dist':>10}"
    )
    print(head)
    print("-" * len(head))
    P = get_preset("fig1")
    for N in args.cutoffs:
        M = Model(P, args.direction, N)
        H, c_ops = M.H(args.Delta_ad), M.c_ops
        best, cpu, res = np.inf, np.inf, None
        for _ in range(max(1, args.repeat)):
            c0 = time.process_time()
            r = steady_state(H, c_ops, tol=args.tol)
            cpu = min(cpu, time.process_time() - c0)
            if r.time < best:
                best, res = r.time, r
        line = f"{N:>2} {M.dimension:>5} {best:>9.3f} {cpu:>9.3f} {res.iterations:>5}"
        if N <= args.qutip_max:
            t0 = time.perf_counter()
            q = qutip.steadystate(H, c_ops)
            tq = time.perf_counter() - t0
            rq = liouvillian_residual(H, c_ops, q) / res.scale
            td = tracedist(res.matrix, q.full())
            line += f" {tq:>10.2f} {tq / best:>8.0f} {res.residual:>9.1e} {rq:>9.1e} {td:>10.1e}"
        else:
            line += f" {'-':>10} {'-':>8} {res.residual:>9.1e} {'-':>9} {'-':>10}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
