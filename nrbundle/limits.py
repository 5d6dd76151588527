"""Resource limits: the memory available, estimates of the large allocations, and bounds on integration work.

Every request whose size the user sets (a cutoff, a number of time points, a sweep grid, a final time) is checked
here *before* anything large is allocated or computed, so that it fails at once with one line naming the parameter,
the estimate and what to change, instead of after minutes with a ``MemoryError`` or never.

Memory
    :func:`available_memory` is ``MemAvailable`` of ``/proc/meminfo`` (Linux), or the environment variable
    :data:`MEMORY_LIMIT_ENV` (``NRBUNDLE_MEMORY_LIMIT``, e.g. ``6G``, ``512M`` or bytes) when set - it takes
    precedence (tests and shared machines use it). :func:`check_memory` raises
    :class:`~nrbundle.errors.MemoryLimitError` when an estimate exceeds it. The estimates are deliberately simple
    upper bounds of the dominant arrays (:func:`steady_state_bytes`, :data:`TIME_POINT_BYTES`,
    :data:`SWEEP_POINT_BYTES`).
Integration work
    An ODE integrator needs steps in proportion to the phase the fastest frequency accumulates, t ||H||, times
    the cost of one step, the size of the state (d for a ket, d^2 for a density matrix).
    :func:`check_integration` refuses a run whose work t ||H|| / (2 pi) * size exceeds
    :data:`MAX_INTEGRATION_WORK` (about half an hour on one core) with :class:`~nrbundle.errors.InputError`.
"""

from __future__ import annotations

__all__ = [
    "MEMORY_LIMIT_ENV",
    "TIME_POINT_BYTES",
    "SWEEP_POINT_BYTES",
    "MAX_INTEGRATION_WORK",
    "MAX_DEFAULT_T_MAX",
    "AUTO_CUTOFF_TIME_BUDGET",
    "parse_size",
    "format_bytes",
    "available_memory",
    "check_memory",
    "steady_state_bytes",
    "hamiltonian_bound",
    "integration_work",
    "check_integration",
]

import math
import os
import re
from typing import Any

import numpy as np

from .errors import InputError, MemoryLimitError

#: Environment variable that overrides the memory available (bytes, or a number with K, M, G, T; binary units).
MEMORY_LIMIT_ENV = "NRBUNDLE_MEMORY_LIMIT"
#: Bytes per output time of a dynamics or trajectory run: the time grid, every recorded population and QuTiP's
#: per-time expectation lists (Python floats), with margin.
TIME_POINT_BYTES = 1024
#: Bytes per grid point of a sweep held by the driving process: the task, the decoded record, the per-point
#: provenance entry and its JSON text, with margin.
SWEEP_POINT_BYTES = 4096
#: Largest integration work t ||H|| / (2 pi) * (state size) accepted (:func:`check_integration`); about half an
#: hour on one core for the QuTiP integrators (a closed run at cutoff 4 over t = 6.6e3 is 2e6, the open one 3e8).
MAX_INTEGRATION_WORK = 1.0e9
#: Largest *default* final time, in units of 1/omega_b, that a run derives from a tiny coupling (2.5 transfer
#: times pi / (2 g)); beyond it the run asks for an explicit t_max.
MAX_DEFAULT_T_MAX = 1.0e5
#: Wall-clock budget in seconds of the automatic cutoff search of a steady state (``cutoff="auto"``).
AUTO_CUTOFF_TIME_BUDGET = 600.0

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str, name: str = MEMORY_LIMIT_ENV) -> int:
    """Bytes of a size such as ``"6G"``, ``"6GiB"``, ``"512M"``, ``"1.5g"`` or ``"1000000"`` (binary units).

    Raises
    ------
    InputError
        Naming ``name``, for anything else or a size <= 0.
    """
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([KMGT]?)(?:I?B)?\s*", str(text), flags=re.IGNORECASE | re.ASCII)
    if m is None:
        raise InputError(f"{name}: expected a size such as 6G, 512M or a number of bytes, got {str(text)[:40]!r}")
    value = float(m.group(1)) * _UNITS[m.group(2).upper()]
    if not value >= 1:
        raise InputError(f"{name}: must be at least one byte, got {str(text)[:40]!r}")
    return int(value)


def format_bytes(n: float) -> str:
    """``"7.45 GiB"``, ``"512 MiB"``, ``"3.0 KiB"``, ``"12 B"``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def available_memory() -> tuple[int | None, str]:
    """``(bytes, source)``: the memory a request may use, and where that number comes from.

    :data:`MEMORY_LIMIT_ENV` when set, else ``MemAvailable`` of ``/proc/meminfo``; ``(None, "unknown")`` where
    neither exists (no check is made then).
    """
    env = os.environ.get(MEMORY_LIMIT_ENV)
    if env is not None and env.strip():
        return parse_size(env), MEMORY_LIMIT_ENV
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "MemAvailable"
    except (OSError, ValueError, IndexError):
        pass
    return None, "unknown"


def check_memory(nbytes: float, what: str, *, param: str, hint: str) -> None:
    """Refuse a request whose estimate ``nbytes`` exceeds :func:`available_memory`.

    Parameters
    ----------
    nbytes
        Estimated peak memory of the request.
    what
        What needs it (``"the steady-state solve at dimension 4000"``).
    param
        The parameter that sets the size; the message starts with it (the CLI shows its option).
    hint
        What to change (``"lower the cutoff"``).

    Raises
    ------
    MemoryLimitError
        ``"<param>: <what> needs about 28 GiB, more than the 5.2 GiB available (MemAvailable); <hint>"``.
    """
    avail, source = available_memory()
    if avail is None or not nbytes > avail:
        return
    raise MemoryLimitError(
        f"{param}: {what} needs about {format_bytes(nbytes)}, more than the {format_bytes(avail)} of memory "
        f"available ({source}); {hint}"
    )


def steady_state_bytes(dimension: int, restart: int = 60) -> int:
    """Peak memory of one steady-state solve of a Hilbert space of ``dimension`` d (bytes).

    The preconditioned flexible GMRES keeps two Krylov bases of ``restart`` complex vectors of length d^2
    (``restart * d^2 * 32`` bytes, the dominant term) plus about twenty dense complex d x d work arrays
    (eigen-decomposition of H_eff, the Liouvillian's products, the state).
    """
    d2 = float(dimension) ** 2
    return int(d2 * (32 * int(restart) + 20 * 16))


def hamiltonian_bound(H: Any) -> float:
    """Gershgorin bound max_i sum_j |H_ij| >= ||H||_2 of a Hamiltonian (``qutip.Qobj``, sparse or dense array)."""
    if hasattr(H, "data_as"):  # a QuTiP 5 Qobj: its CSR data, without a dense copy
        try:
            H = H.data_as("csr_matrix")
        except (TypeError, ValueError, AttributeError):
            H = H.full()
    elif hasattr(H, "full"):
        H = H.full()
    if hasattr(H, "multiply") and hasattr(H, "tocsr"):  # scipy sparse
        rows = np.asarray(abs(H).sum(axis=1)).ravel()
    else:
        rows = np.abs(np.asarray(H)).sum(axis=1)
    return float(rows.max()) if rows.size else 0.0


def integration_work(t_span: float, bound: float, state_size: int) -> float:
    """Work of integrating over ``t_span``: t ||H|| / (2 pi) (periods of the fastest frequency) times ``state_size``."""
    return abs(float(t_span)) * float(bound) / (2.0 * math.pi) * float(state_size)


def check_integration(t_span: float, bound: float, state_size: int, *, what: str, param: str = "t_max") -> None:
    """Refuse an integration whose :func:`integration_work` exceeds :data:`MAX_INTEGRATION_WORK`.

    Raises
    ------
    InputError
        ``"t_max: <what> over t = 1e+300 needs about ... periods of the fastest frequency ... ; lower t_max"``.
    """
    work = integration_work(t_span, bound, state_size)
    if work <= MAX_INTEGRATION_WORK:
        return
    periods = abs(float(t_span)) * float(bound) / (2.0 * math.pi)
    largest = MAX_INTEGRATION_WORK / (float(bound) / (2.0 * math.pi) * float(state_size))
    raise InputError(
        f"{param}: {what} over t = {float(t_span):.3g} would follow {periods:.3g} periods of the fastest "
        f"frequency (||H|| <= {float(bound):.3g}) for a state of size {state_size}, more than the limit of "
        f"{MAX_INTEGRATION_WORK:.0e} (period x size); the largest {param} here is about {largest:.3g}"
    )
