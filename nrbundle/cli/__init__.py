"""Command-line interface: argument parsing and printing only; every command composes the layers.

Exit status (``docs/cli.md``): 0 success; 1 a check or computation failed (failed sweep points, failed reproduce
stages, a solver that missed its target); 2 bad input; 3 an operating-system or I/O fault (an unwritable path, a
full disk, a closed output pipe); 4 out of memory, or a request refused because its estimate exceeds the memory
available; 130 interrupted (Ctrl-C). Every failure is one line on stderr (``nrbundle: error: ...``), never a
traceback (set ``NRBUNDLE_TRACEBACK=1`` to see one for an unexpected error).

The console script (and ``python -m nrbundle``) is :func:`run`: :func:`main`, then the exit handlers, and the process
ends without the interpreter's teardown of the libraries it loaded (SymPy, QuTiP, matplotlib: about one CPU-second
after ``nrbundle reproduce``, measured; ``docs/performance.md``). :func:`main` returns the status (for tests and
scripts that call it in their own process).

Modules: :mod:`~nrbundle.cli.entry` (``main``, ``run``), :mod:`~nrbundle.cli.parser` (the parser, the help texts
:data:`COMMANDS`), :mod:`~nrbundle.cli.commands` (one handler per command, the option values they share) and
:mod:`~nrbundle.cli.messages` (the option of each library parameter, exit statuses, one-line errors and warnings).
"""

from __future__ import annotations

__all__ = ["main", "run", "build_parser", "resolve_params", "FLAGS", "REMEDIES", "EXIT_STATUS", "COMMANDS"]

from .commands import resolve_params
from .entry import main, run
from .messages import EXIT_STATUS, FLAGS, REMEDIES
from .parser import COMMANDS, build_parser
