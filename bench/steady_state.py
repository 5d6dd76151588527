"""Benchmark: nrbundle's steady-state solver against qutip.steadystate, side by side.

Run:  python bench/steady_state.py                      (model table: cutoffs 2..6, QuTiP up to N = 4)
      python bench/steady_state.py --cutoffs 2 3 --qutip-max 3      (quick)
      python bench/steady_state.py --table peers        (peers table: 12 systems, QuTiP direct and iterative)
      python bench/steady_state.py --table peers --qutip-max 3      (quick peers table, ~1 min)

Peers table: for each system (the paper's model at N = 3, 4, 5; QuTiP's analytic cases; the four hard classes of
issue 9; a strongly driven cavity where nrbundle loses) the time, GMRES iterations, relative residual, error
estimate and true error of nrbundle.numeric.steady_state with DEFAULT arguments, and the time, residual and true
error of qutip.steadystate direct (sparse LU) and iterative (lgmres / gmres with an ILU preconditioner, rtol 1e-12;
"fail" where it does not converge). The true error is max |rho - rho_exact| against the closed form
(tests/systems/reference.py); the paper's model has none, so there it is the distance to qutip's direct solve
(marked *), and "-" where QuTiP is not run (N > --qutip-max).

Both solvers run in this one process on one core (BLAS threads pinned to 1 before NumPy is imported),
on the model of Eq. (1)-(2) at preset fig1, left drive, Delta_ad = 1.34, N Fock levels per mode
(dimension 2 N^3). Columns: dimension, wall time of nrbundle.numeric.liouvillian.steady_state (best of
--repeat runs, and its CPU time), wall time of qutip.steadystate, the ratio, both relative residuals
||L rho||_F / s_L (same formula for both states), GMRES iterations and the trace distance.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import qutip  # noqa: E402
import scipy  # noqa: E402

from nrbundle.numeric.liouvillian import liouvillian_residual, steady_state  # noqa: E402
from nrbundle.numeric.model import Model  # noqa: E402
from nrbundle.params import get_preset  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the closed forms live with the tests
from systems import reference as ref  # noqa: E402


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
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return [
        f"machine : {model}, {cpus} logical CPUs (this run: 1 thread), load average {load}",
        f"python  : {platform.python_version()}  numpy {np.__version__}  scipy {scipy.__version__}  "
        f"qutip {qutip.__version__}",
        f"BLAS    : {blas}",
    ]


def tracedist(A: np.ndarray, B: np.ndarray) -> float:
    return float(0.5 * np.abs(np.linalg.eigvalsh(A - B)).sum())


@dataclass
class Peer:
    """One row of the peers table: a system and its closed-form steady state (``None`` for the paper's model)."""

    name: str
    H: qutip.Qobj
    c_ops: list
    exact: np.ndarray | None
    run_qutip: bool = True


def peer_systems(qutip_max: int, Delta_ad: float, direction: str) -> list[Peer]:
    """The systems of the peers table (at least 8: the paper's model at N = 3, 4, 5 and nine others)."""
    P = get_preset("fig1")
    out = []
    for N in (3, 4, 5):
        M = Model(P, direction, N)
        out.append(Peer(f"paper model N={N}", M.H(Delta_ad), M.c_ops, None, N <= qutip_max))
    H, c = ref.thermal_qubit(1.0, 0.05, 0.5)
    out.append(Peer("thermal qubit n=0.5", H, c, ref.thermal_qubit_state(0.5)))
    H, c = ref.thermal_oscillator(1.0, 0.3, 1.5, 30)
    out.append(Peer("thermal oscillator N=30", H, c, np.diag(ref.thermal_populations(1.5, 30))))
    H, c = ref.driven_cavity(0.7, 0.4, 1.0, 25)
    out.append(Peer("driven cavity N=25", H, c, ref.coherent_dm(ref.coherent_amplitude(0.7, 0.4, 1.0), 25)))
    H, c = ref.resonance_fluorescence(0.0, 0.25, 1.0)
    out.append(Peer("fluorescence (EP)", H, c, ref.fluorescence_steady_state(0.0, 0.25, 1.0)))
    (H, c), n_ths = ref.spread_qubits()
    out.append(Peer("6 qubits, rates 5e-2..1e-7", H, c, ref.thermal_qubits_state(n_ths)))
    H, c = ref.coupled_cavities(8)
    out.append(Peer("coupled cavities N=8", H, c, ref.coupled_cavities_state(8)))
    H, c = ref.thermal_modes(8)
    out.append(Peer("two thermal modes N=8", H, c, ref.thermal_modes_state(8)))
    H, c = ref.nonlinear_loss(20)
    out.append(Peer("nonlinear loss N=20", H, c, ref.vacuum_dm(20)))
    H, c = ref.driven_cavity(0.7, 2.0, 1.0, 60)
    alpha = ref.coherent_amplitude(0.7, 2.0, 1.0)
    out.append(Peer("strong drive |alpha|=2.3 N=60", H, c, ref.coherent_dm(alpha, 60)))
    return out


QUTIP_ROUTES: dict[str, dict] = {
    "direct": {},
    "lgmres+ILU": {"solver": "lgmres", "use_precond": True, "rtol": 1e-12, "atol": 1e-15, "maxiter": 1000},
    "gmres+ILU": {"solver": "gmres", "use_precond": True, "rtol": 1e-12, "atol": 1e-15, "maxiter": 1000},
}


def _fmt(x: float | None, spec: str = ".1e") -> str:
    return "-" if x is None else format(x, spec)


def _run_qutip(peer: Peer, route: str) -> tuple[float, np.ndarray | None]:
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = qutip.steadystate(peer.H, peer.c_ops, **QUTIP_ROUTES[route]).full()
    except Exception:  # scipy's "tolerance was not reached" and friends: the route failed on this system
        q = None
    return time.perf_counter() - t0, q


def _max_error(state: np.ndarray, exact: np.ndarray | None, mark: str) -> str:
    """max |state - exact| formatted for the table, with the reference's mark; "-" without a reference."""
    if exact is None:
        return "-"
    return format(float(np.abs(state - exact).max()), ".1e") + mark


def peers_table(qutip_max: int, iterative_max: int, Delta_ad: float, direction: str) -> None:
    """Print the peers table (module docstring)."""
    head = (
        f"{'system':<30} {'dim':>4} | {'ours [s]':>8} {'it':>4} {'resid':>7} {'estim':>7} {'error':>8} |"
        + "".join(f" {r + ' [s]':>14} {'error':>8} |" for r in QUTIP_ROUTES)
        + f" {'direct/ours':>11}"
    )
    print(head)
    print("-" * len(head))
    for peer in peer_systems(qutip_max, Delta_ad, direction):
        d = peer.H.shape[0]
        t0 = time.perf_counter()
        try:
            r = steady_state(peer.H, peer.c_ops)
        except Exception as exc:  # a ConvergenceError is a result of the benchmark, reported in the row
            r, why = None, type(exc).__name__
        t_ours = time.perf_counter() - t0
        runs: dict[str, tuple[float, np.ndarray | None]] = {}
        for route in QUTIP_ROUTES:
            paper_iterative = peer.exact is None and route != "direct" and d > 2 * iterative_max**3
            if peer.run_qutip and not paper_iterative:
                runs[route] = _run_qutip(peer, route)
        # the reference: the closed form, or (paper model) QuTiP's direct solve, marked *
        exact, mark = peer.exact, ""
        if exact is None and runs.get("direct", (0.0, None))[1] is not None:
            exact, mark = runs["direct"][1], "*"

        if r is not None:
            e_ours = _max_error(r.matrix, exact, mark)
            cols = f"{t_ours:>8.3f} {r.iterations:>4} {r.residual:>7.0e} {r.error_estimate:>7.0e} {e_ours:>8} |"
        else:
            cols = f"{t_ours:>8.3f} {'raised ' + why:>30} |"
        for route in QUTIP_ROUTES:
            if route not in runs:
                cols += f" {'-':>14} {'-':>8} |"
                continue
            tq, q = runs[route]
            if q is None:
                shown = "fail"
            elif mark == "*" and route == "direct":
                shown = "-"  # the reference itself
            else:
                shown = _max_error(q, exact, mark)
            cols += f" {tq:>14.3f} {shown:>8} |"
        ratio = "-"
        if r is not None and "direct" in runs and runs["direct"][1] is not None:
            ratio = format(runs["direct"][0] / t_ours, ".2g")
        print(f"{peer.name:<30} {d:>4} | {cols} {ratio:>11}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cutoffs", type=int, nargs="+", default=[2, 3, 4, 5, 6], help="Fock levels per mode")
    ap.add_argument("--qutip-max", type=int, default=4, help="largest N given to qutip.steadystate")
    ap.add_argument("--Delta-ad", type=float, default=1.34)
    ap.add_argument("--direction", default="left")
    ap.add_argument("--tol", type=float, default=1e-10, help="relative residual asked of steady_state")
    ap.add_argument("--repeat", type=int, default=3, help="runs of steady_state per cutoff (best wall time kept)")
    ap.add_argument("--table", choices=["model", "peers", "both"], default="model", help="which table(s) to print")
    ap.add_argument("--qutip-iterative-max", type=int, default=3,
                    help="largest paper-model N given to QuTiP's iterative routes (ILU fill-in grows fast)")
    args = ap.parse_args(argv)

    print("command :", " ".join([os.path.basename(sys.executable), *sys.argv]))
    for line in machine_info():
        print(line)
    if args.table in ("peers", "both"):
        print(f"peers   : default arguments of steady_state (atol 1e-10); paper model at Delta_ad = {args.Delta_ad}, "
              f"{args.direction}; QuTiP up to paper N = {args.qutip_max}")
        print()
        peers_table(args.qutip_max, args.qutip_iterative_max, args.Delta_ad, args.direction)
        print()
        if args.table == "peers":
            return 0
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
