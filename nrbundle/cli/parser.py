"""The ``nrbundle`` argument parser: commands, options with their help and defaults, descriptions and examples.

:data:`COMMANDS` holds each command's summary, description (in physical terms) and examples; :func:`build_parser`
builds the parser from them and sets each command's handler (:data:`nrbundle.cli.commands.HANDLERS`). Parse errors
are one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = ["build_parser", "COMMANDS", "DESCRIPTION", "EPILOG"]

import argparse
import sys
import textwrap
from typing import Any

from .. import __version__
from ..errors import shorten
from ..params import PARAM_NAMES
from .commands import HANDLERS
from .messages import EXIT_STATUS, MAX_LINE


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"nrbundle: error: {shorten(message, MAX_LINE)}\n")
        raise SystemExit(EXIT_STATUS["input"])


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="fig1", metavar="fig1|physical",
                   help="parameter set: fig1 (Fig. 1 of the paper, frequencies in units of omega_b) or physical "
                        "(the paper's experimental numbers, in GHz)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one parameter of the preset by its paper name, e.g. kappa=0.01 or Delta_F=0.03 (repeatable; "
             "names: " + ", ".join(PARAM_NAMES) + ")",
    )


def _force(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--force", action="store_true",
                   help=f"replace {what} that another request wrote, or that nrbundle did not write")


class _Formatter(argparse.HelpFormatter):
    """Help with every option's default (``(default: fig1)``, unless the help states it in words or the option is a
    flag); descriptions wrapped to the terminal paragraph by paragraph, example blocks (indented lines) as written."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (not action.option_strings or "default" in text or default in (None, False, argparse.SUPPRESS)
                or default == []):
            return text
        return f"{text} (default: %(default)s)"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.split("\n\n"):
            lines = block.splitlines()
            if any(line.startswith("  ") for line in lines):
                blocks.append("\n".join(indent + line for line in lines))
            else:
                blocks.append(textwrap.fill(" ".join(line.strip() for line in lines), width,
                                            initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(blocks)


#: Top-level description (``nrbundle --help``).
DESCRIPTION = """\
Nonreciprocal bundle emission of entangled photon-phonon and photon-magnon pairs (Bin, Jing, Wu, Nori, Lu).

A strongly driven two-level atom couples to a spinning resonator whose optical mode a talks to a mechanical
mode b and a magnon mode m. Spinning splits the two circulating directions (Sagnac-Fizeau shift Delta_F), so
the drive detuning Delta_ad at which the atom, dressed by the drive, resonantly creates a photon-phonon pair
|101-> or a photon-magnon pair |110-> depends on the drive direction. nrbundle derives these resonance
conditions (S16-S22) with their level shifts and super-Rabi couplings, finds them exactly by diagonalization,
solves the master equation Eq. (2) for occupations and the pair and bundle correlations g1 and g2 (Eq. 3),
follows dynamics and quantum trajectories, checks every analytic claim against these numerics, and redraws
Figs. 1-4 of the paper.

Units: hbar = 1; frequencies in units of omega_b (preset fig1) or in GHz (preset physical, values omega/2pi).
Parameters use the paper's names (--set kappa=0.01, --set Delta_F=0.03)."""

EPILOG = """\
examples:
  nrbundle reproduce --quick        # everything in ./nrbundle-out-quick (under a minute)
  nrbundle resonances               # where the pair resonances lie, per direction
  nrbundle steady --direction left --delta-ad 1.3408
  nrbundle COMMAND --help           # what a command computes, options, examples

-q/--quiet and -v/--verbose work before or after COMMAND. Results go to stdout; progress, warnings (one line
each) and errors go to stderr. Exit status: 0 success, 1 a computation or check failed, 2 bad input, 3 an I/O
fault, 4 too little memory, 130 interrupted. Documentation: docs/cli.md."""

#: Per command: (one-line summary for the command list, description, examples).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "resonances": (
        "drive detunings of the pair resonances |000+> <-> |101->, |110-> (S17-S22, shifted) and g_eff",
        """\
Where the super-Rabi resonances lie. For each target |n_a n_b n_m -> (default: the paper's photon-phonon pair
|101-> and photon-magnon pair |110->) and drive direction: the detuning Delta_ad at which |000+> is degenerate
with it on the bare ladder (closed forms S17-S22 of S16), the same resonance moved by the level shifts to order K
(the true resonance lies many linewidths away from the closed form), and the effective super-Rabi coupling
g_eff between the two states with its perturbative order. Delta_ad is in the preset's units. Takes seconds.""",
        """\
  nrbundle resonances
  nrbundle resonances --direction left --json
  nrbundle resonances --target 2,0,2 --direction right --shift-order 2
  nrbundle resonances --preset physical --set Delta_F=0.08""",
    ),
    "derive": (
        "write the derivation (S1-S22, g_eff, level shifts) as a LaTeX document, optionally as PDF",
        """\
Writes the derivation as a standalone LaTeX document: the linearized Hamiltonian (S1 -> S11 = Eq. 1), the dressed
atom (S12-S15), the ladder energies and resonance conditions (S16-S22), the effective super-Rabi couplings and
level shifts to order K, and a table of numbers at the preset. With --pdf it is compiled with pdflatex in a
temporary folder and only the PDF is placed beside the .tex (no .aux or .log files are left). An existing file
that nrbundle did not write is not replaced without --force. Takes seconds (with --pdf, a few more).""",
        """\
  nrbundle derive --latex derivation.tex
  nrbundle derive --latex derivation.tex --pdf
  nrbundle derive --latex notes/physical.tex --preset physical --shift-order 6""",
    ),
    "spectrum": (
        "exact diagonalization: avoided crossing of |000+> and a target state",
        """\
Exact diagonalization of Eq. (1) in a truncated Fock space: follows the two levels |000+> and |n_a n_b n_m ->
through their avoided crossing in Delta_ad and reports the detuning of the smallest splitting (the exact
resonance; compare 'corrected' of nrbundle resonances) and half that splitting (the exact super-Rabi coupling;
compare g_eff). Takes seconds at the default cutoff.""",
        """\
  nrbundle spectrum --target 1,0,1 --direction left
  nrbundle spectrum --target 1,1,0 --direction right --cutoff 5 --json""",
    ),
    "steady": (
        "steady state of the master equation Eq. (2): occupations, pair g1 and bundle g2 (Eq. 3)",
        """\
Steady state of the master equation Eq. (2) (decay kappa_a, kappa_b, kappa_m of the modes and gamma of the atom)
at one drive detuning Delta_ad. Prints the mean numbers of photons n_a, phonons n_b, magnons n_m and the atomic
excitation n_atom; the cross correlations g1_ab, g1_am = g^(2)_{1,ab}(0), g^(2)_{1,am}(0) of Fig. 3; the bundle
correlations g2_ab, g2_am = g^(2)_{2,ab}(0), g^(2)_{2,am}(0) of Eq. (3) (below 1: antibunched pairs); and how
well the state is known: the Fock cutoff, the solver residual and error estimate, and truncation_error, the
largest relative change of an observable when one mode gets one more Fock level.

--cutoff auto raises the cutoff one mode at a time until the observables settle (tens of seconds near a
resonance); a fixed cutoff is checked with one extra solve per mode and warns when it is too small.

--target NA,NB,NM adds a "bundle" object: the statistics of the bundle B = a^NA b^NB m^NM (g1_B, g2_B, the bundle
sector population P_B, emission rate and purity; docs/bundles.md), each with its own truncation estimate (the
cutoff auto keeps raising modes until they settle, at least 2 NA+1, 2 NB+1, 2 NM+1 levels). Without --delta-ad
(or with --delta-ad resonance) the drive sits at the target's analytic corrected resonance.""",
        """\
  nrbundle steady --direction left --delta-ad 1.3408
  nrbundle steady --direction left --target 2,0,1 --json
  nrbundle steady --direction right --delta-ad 1.3408 --cutoff 4 --json
  nrbundle -v steady --direction left --delta-ad 1.3408 --set kappa=0.01""",
    ),
    "crosscheck": (
        "hold every analytic claim against exact diagonalization and the master equation",
        """\
Checks every analytic claim at the preset against exact numerics: the dressed atom, each of the paper's four
transitions (closed-form and shifted resonance against the exact avoided crossing, g_eff against half the
splitting, super-Rabi transfer in closed dynamics), the steady-state bundle statistics and the entanglement
witnesses. Prints a table of analytic value, numeric value, error and tolerance; exit status 1 when a check that
is expected to pass fails. About 20 s on 2 cores; progress lines on stderr.""",
        """\
  nrbundle crosscheck
  nrbundle crosscheck --preset physical --json > crosscheck.json""",
    ),
    "sweep": (
        "evaluate a point function (e.g. the steady state) over a parameter grid, checkpointed and resumable",
        """\
Evaluates a point function at every point of a product grid of named axes and writes the results as arrays
shaped like the grid (result.npz, result.nc when xarray is installed, with provenance in result.json). FUNC
'steady' gives the observables of nrbundle steady at each point; its axes may be any parameter name
(kappa, Delta_F, ...), Delta_ad, direction or cutoff, and fixed values go into --base. Every finished point is
checkpointed: rerun the same command after an interruption and it resumes. A progress bar shows the points done,
failed and the time left.""",
        """\
  nrbundle sweep steady --axis Delta_ad=1.30:1.40:101 --axis direction=left,right --out runs/spectrum
  nrbundle sweep steady --axis kappa=0.001:0.05:11:log --axis direction=left,right \\
      --base Delta_ad=1.3408 --out runs/kappa
  nrbundle sweep steady --axis Delta_F=0.01,0.02,0.03 --base direction=left --base Delta_ad=1.3408 \\
      --base cutoff=4 --out runs/fizeau --workers 2""",
    ),
    "map": (
        "design map: isolation ratio, bundle g2 and purity over two parameters, at the analytic resonance",
        """\
A design map of nonreciprocal bundle emission over a grid of two parameters (--x, --y: any parameter names, the
axis grammar of nrbundle sweep --axis). At each point the drive detuning Delta_ad sits on the analytic corrected
resonance of --target for --direction (default: the paper's isolated direction, left for 1,0,1 and right for
1,1,0), and the steady state is solved for both drive directions there. Writes into --out: the isolation ratio
I = P_B(resonant direction) / P_B(other direction) (P_B: population of the bundle state |NA NB NM>), the bundle
g2_B and purity of the resonant direction, the exact-diagonalization check of the placement (flagged where it
differs by more than a tenth of the line width) and the truncation estimate per point, as design_map.npz/.json,
design_map.nc and a figure (design_map.pdf/.png) outlining the region that is nonreciprocal (I above
--ratio-threshold) and antibunched (g2_B < 1). Checkpointed: rerun the same command after an interruption and it
resumes. The full map uses the fixed cutoff (5, 3, 5) for 1,0,1 (2 n + 3 levels per bundle mode, 3 otherwise) with
its truncation estimate at every point (minutes on 2 cores; docs/performance.md); --cutoff auto converges it at
every point (ten times longer); --quick uses the smallest cutoff on which g2_B is defined (stamped QUICK).""",
        """\
  nrbundle map --x Delta_F=0.005:0.05:10 --y kappa=0.001:0.03:10:log --target 1,0,1 --quick
  nrbundle map --x Delta_F=0.005:0.05:10 --y kappa=0.001:0.03:10:log --target 1,1,0 --workers 2
  nrbundle map --preset physical --x temperature=0.005:0.2:8:log --y kappa=0.004:0.04:4:log --target 1,0,1 \\
      --quick --executor dask --json""",
    ),
    "figures": (
        "redraw the paper's Figs. 1-4 (PDF and PNG, with their data)",
        """\
Redraws the paper's figures: 1 (excitation spectra versus Delta_ad for both drive directions, with the resonance
ladder), 2 (super-Rabi dynamics and a quantum trajectory), 3 (g1 and bundle g2 versus kappa in the three
regimes, and g2(tau)), 4 (entanglement witnesses versus kappa). Each figure is written as PDF and PNG with its
data (.npz) and provenance (.json). Full grids take a few minutes on 2 cores (Fig. 3 the most); --quick uses
coarse grids and cutoffs checked to 10 % (under a minute), stamps the figures QUICK, writes their PDFs as raster
copies of the PNGs (previews; vector PDFs come from full runs) and writes to its own folder. Interrupted sweeps
resume.""",
        """\
  nrbundle figures --which 3 --quick
  nrbundle figures --which 1,2 --out my-figures --workers 2""",
    ),
    "reproduce": (
        "the whole reproduction (derivation, resonances, crosscheck, figures, headline numbers) in one folder",
        """\
Regenerates everything in one folder with an index.html that shows it together: the LaTeX derivation (and its
PDF when pdflatex is installed), the resonance table, the crosscheck report, Figs. 1-4, the paper's headline
g2 numbers next to ours and, beyond the paper, design maps of nonreciprocal bundle emission (docs/beyond.md).
About 2 minutes on 2 cores (--quick: coarse grids, about 22 s, in its own folder).
Stage lines on stderr tell what runs and how long is left; rerunning reuses every cached result.""",
        """\
  nrbundle reproduce
  nrbundle reproduce --quick
  nrbundle reproduce --preset physical --out physical-run --workers 2""",
    ),
    "dynamics": (
        "super-Rabi population dynamics from |000+> (Fig. 2(a-c))",
        """\
Population dynamics from |000+>, sitting on the exact resonance of --target (default |101->) or at --delta-ad:
the super-Rabi oscillation that carries the system to the pair state (closed system), or with --open its decay
under the master equation Eq. (2). Writes the populations (.npz), provenance (.json) and plots (.pdf, .png).""",
        """\
  nrbundle dynamics --direction left
  nrbundle dynamics --direction right --target 1,1,0 --open --out runs""",
    ),
    "trajectory": (
        "one quantum trajectory with its jumps and the pair bundles in it (Fig. 2(d-g))",
        """\
One quantum-jump trajectory (Monte Carlo wave function) at a pair resonance: the state populations, the jumps of
each decay channel and the bundles (a photon and a magnon, or a photon and a phonon, emitted within the
coincidence window) found in them. The same seed gives the same jumps.""",
        """\
  nrbundle trajectory --direction left --seed 1
  nrbundle trajectory --direction right --target 1,1,0 --t-max 5000 --seed 7""",
    ),
}


def _chatter(p: argparse.ArgumentParser, top: bool) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (:mod:`nrbundle.progress`), on the top parser and on every command."""
    g = p.add_argument_group("progress output")
    g.add_argument("-q", "--quiet", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="no progress bars or stage lines; warnings and errors are still printed, one line each")
    g.add_argument("-v", "--verbose", action="count", default=0 if top else argparse.SUPPRESS,
                   help="more detail: a line per sweep point and per steady-state solve, informational messages")


def _command(sub: Any, name: str) -> argparse.ArgumentParser:
    summary, description, examples = COMMANDS[name]
    p = sub.add_parser(name, help=summary, description=description, epilog=f"examples:\n{examples}",
                       formatter_class=_Formatter)
    _chatter(p, top=False)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The ``nrbundle`` argument parser (sub-commands)."""
    parser = _Parser(prog="nrbundle", description=DESCRIPTION, epilog=EPILOG, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"nrbundle {__version__}",
                        help="print the version and exit")
    _chatter(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_Parser)
    json_help = "print one JSON object on stdout instead of the table (keys in docs/cli.md)"
    workers_help = "worker processes (default: all cores)"
    quick_help = "coarse grids and cutoffs checked to 10 %%: under a minute"

    p = _command(sub, "resonances")
    _common(p)
    p.add_argument("--target", metavar="NA,NB,NM",
                   help="photon, phonon and magnon numbers of the target |NA NB NM->; default: the paper's |101-> "
                        "and |110->")
    p.add_argument("--direction", default="both", metavar="left|right|both",
                   help="drive direction(s)")
    p.add_argument("--shift-order", default="4", metavar="K",
                   help="order of the level shifts: 0 (closed forms S18-S22) or 2..8 (first-order shifts vanish)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=HANDLERS["resonances"])

    p = _command(sub, "derive")
    _common(p)
    p.add_argument("--latex", metavar="PATH", help="path of the .tex file to write (required)")
    p.add_argument("--pdf", action="store_true",
                   help="also compile it with pdflatex (in a temporary folder; only the PDF is kept, beside PATH)")
    p.add_argument("--shift-order", default="4", metavar="K",
                   help="order of the level shifts in the document: 0 or 2..8")
    _force(p, "a .tex or .pdf file")
    p.set_defaults(func=HANDLERS["derive"])

    p = _command(sub, "spectrum")
    _common(p)
    p.add_argument("--target", required=True, metavar="NA,NB,NM",
                   help="photon, phonon and magnon numbers of the target |NA NB NM-> (required)")
    p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
    p.add_argument("--cutoff", default="4", metavar="N|NA,NB,NM", help="Fock levels kept per mode")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=HANDLERS["spectrum"])

    p = _command(sub, "steady")
    _common(p)
    p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
    p.add_argument("--delta-ad", default=None, metavar="X|resonance",
                   help="drive detuning Delta_ad in the preset's units (required without --target; with --target, "
                        "'resonance' or no --delta-ad drives at the target's analytic corrected resonance)")
    p.add_argument("--target", default=None, metavar="NA,NB,NM",
                   help="also the statistics of the bundle B = a^NA b^NB m^NM (g1_B, g2_B, emission rate, purity, "
                        "each with its truncation estimate) in a 'bundle' object; the other keys stay as they are")
    p.add_argument("--cutoff", default="auto", metavar="auto|N|NA,NB,NM",
                   help="Fock levels kept per mode; auto raises them until the observables settle")
    p.add_argument("--rtol", type=float, default=None, metavar="X",
                   help="cutoff auto: largest relative change of an observable under a one-level raise "
                        "(default 1e-3)")
    p.add_argument("--max-cutoff", type=int, default=None, metavar="N",
                   help="cutoff auto: most Fock levels per mode (default 8; with --target 16)")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=HANDLERS["steady"])

    p = _command(sub, "crosscheck")
    _common(p)
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=HANDLERS["crosscheck"])

    p = _command(sub, "sweep")
    _common(p)
    p.add_argument("point_func", metavar="FUNC",
                   help="'steady' (built in: the observables of nrbundle steady) or module:function of your own")
    p.add_argument("--axis", action="append", default=[], metavar="SPEC",
                   help="NAME=START:STOP:NUM[:log] or NAME=a,b,c; repeat for a product grid (docs/sweeps.md)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="sweep folder: checkpoints, result.npz, result.nc, result.json (required)")
    p.add_argument("--base", action="append", default=[], metavar="NAME=VALUE",
                   help="a fixed argument of the point function, e.g. Delta_ad=1.3408 or cutoff=4 (repeatable; "
                        "numbers or JSON values)")
    p.add_argument("--executor", default="process", metavar="serial|process|dask",
                   help="where points run: this process, worker processes, or a Dask cluster")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="with --executor dask: tcp://HOST:PORT of a running scheduler, or local (default: local)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar or progress lines for this sweep (as -q, but warnings of the sweep stay)")
    p.add_argument("--restart", action="store_true",
                   help="discard this sweep's own checkpoints and results and start afresh")
    p.add_argument("--keep-failed", action="store_true", help="on resume, do not retry points that failed")
    p.add_argument("--allow-version-change", action="store_true",
                   help="resume a sweep that another nrbundle version started (keeps its checkpoints)")
    p.set_defaults(func=HANDLERS["sweep"])

    p = _command(sub, "map")
    _common(p)
    p.add_argument("--x", required=True, metavar="NAME=START:STOP:NUM[:log]",
                   help="first map axis: a parameter name and its values, as sweep --axis (required)")
    p.add_argument("--y", required=True, metavar="NAME=START:STOP:NUM[:log]",
                   help="second map axis, another parameter (required)")
    p.add_argument("--target", required=True, metavar="NA,NB,NM",
                   help="the bundle |NA NB NM-> whose corrected resonance places Delta_ad (required)")
    p.add_argument("--direction", default=None, metavar="left|right",
                   help="resonant drive direction (default: left for 1,0,1 and other targets, right for 1,1,0)")
    p.add_argument("--ratio-threshold", default="10", metavar="R",
                   help="isolation ratio above which a point counts as nonreciprocal (the outline)")
    p.add_argument("--cutoff", default=None, metavar="auto|N|NA,NB,NM",
                   help="Fock levels per mode (default: 2n+3 per bundle mode, 3 otherwise; with --quick the smallest "
                        "on which g2_B is defined)")
    p.add_argument("--checks", default="all", metavar="all|corners|centre|none",
                   help="points with the exact-diagonalization check and, at a fixed cutoff, the truncation estimate")
    p.add_argument("--quick", action="store_true", help="small fixed cutoffs (QUICK stamp): a preview")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="map folder (default: nrbundle-map-<target>-<x>-<y>, with --quick ...-quick)")
    p.add_argument("--executor", default="process", metavar="serial|process|dask",
                   help="where points run: this process, worker processes, or a Dask cluster")
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="with --executor dask: tcp://HOST:PORT of a running scheduler, or local (default: local)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    p.add_argument("--restart", action="store_true", help="discard this map's checkpoints and start afresh")
    p.add_argument("--json", action="store_true", help="print the map's summary as one JSON object (docs/beyond.md)")
    p.set_defaults(func=HANDLERS["map"])

    p = _command(sub, "figures")
    _common(p)
    p.add_argument("--which", default="1,2,3,4", metavar="LIST", help="comma-separated figure numbers")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: nrbundle-out/figures, with --quick nrbundle-out-quick/figures)")
    p.add_argument("--quick", action="store_true", help=quick_help)
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    _force(p, "figure files")
    p.set_defaults(func=HANDLERS["figures"])

    p = _command(sub, "reproduce")
    p.add_argument("--preset", default="fig1", metavar="fig1|physical",
                   help="parameter preset of the derivation, resonances, crosscheck and figures (the headline "
                        "numbers always use physical)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: ./nrbundle-out, with --quick ./nrbundle-out-quick)")
    p.add_argument("--quick", action="store_true", help=quick_help)
    p.add_argument("--workers", default=None, metavar="N", help=workers_help)
    _force(p, "reproduction files")
    p.set_defaults(func=HANDLERS["reproduce"])

    for name in ("dynamics", "trajectory"):
        p = _command(sub, name)
        _common(p)
        p.add_argument("--direction", required=True, metavar="left|right", help="drive direction (required)")
        p.add_argument("--delta-ad", default=None, metavar="X",
                       help="drive detuning in the preset's units (default: the exact resonance of --target)")
        p.add_argument("--target", default=None, metavar="NA,NB,NM",
                       help="pair state whose exact resonance to sit on (default: 1,0,1)")
        p.add_argument("--cutoff", default="4" if name == "dynamics" else "3", metavar="N|NA,NB,NM",
                       help="Fock levels kept per mode")
        p.add_argument("--points", default="1000" if name == "dynamics" else "2000", metavar="N",
                       help="number of output times")
        p.add_argument("--out", default="nrbundle-out/runs", metavar="DIR", help="output folder")
        _force(p, "run files of the same name")
        if name == "dynamics":
            p.add_argument("--t-max", default=None, metavar="T",
                           help="final time in 1/(preset unit) (default: 2.5 super-Rabi transfer times)")
            p.add_argument("--open", action="store_true",
                           help="master equation Eq. (2) with decay instead of the closed (Hamiltonian) dynamics")
            p.set_defaults(func=HANDLERS["dynamics"])
        else:
            p.add_argument("--t-max", default="20000", metavar="T", help="final time in 1/(preset unit)")
            p.add_argument("--seed", default="1", metavar="S", help="random seed (same seed, same jumps)")
            p.add_argument("--window", default=None, metavar="W",
                           help="bundle coincidence window (default: from the decay rates of the pair)")
            p.set_defaults(func=HANDLERS["trajectory"])

    return parser
