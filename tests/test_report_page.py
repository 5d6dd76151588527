"""The human-readable report of a run (nrbundle.report): escaped Markdown tables, and index.html checked both as
text and in a real headless browser (Chromium from the Debian packages; skipped where it is not installed).

The page is built from a small run folder made here in about a second: a few PNG figures of the real sizes
(drawn through the shared figure style, the quick ones stamped), and headline, resonance, crosscheck and figure
records shaped like a run's, with crosscheck notes that contain ``|``. The real quick run is checked the same way
in a test marked slow.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from nrbundle.figures import style
from nrbundle.provenance import write_json
from nrbundle.report import (
    EXTRA_FIGURE_NAMES,
    FIGURE_NAMES,
    Cell,
    Table,
    crosscheck_markdown,
    headline_markdown,
    png_size,
    resonance_markdown,
    write_index,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Resolution of the fixture's PNG files (the page sizes figures by the resolution recorded in the file).
FIXTURE_DPI = 100
#: Figure sizes in inches, as the real figures (single column 3.4 in, double 7.0 in).
FIGURE_INCHES = {"fig1": (3.4, 6.6), "fig2": (7.0, 6.4), "fig3": (7.0, 4.2), "fig4": (3.4, 4.6)}
#: A note as the crosscheck writes them: absolute values with bars.
PIPE_NOTE = ("max |E_pm(S13) - eigh| / xi over 21 Delta_ad values; error in units of 2|g_eff| = 0.001173; "
             "|Delta_ad(110-,left) - Delta_ad(101-,right)| vs numpy.linalg.eigh")


def _split_markdown_row(line: str) -> list[str]:
    """Cells of one Markdown table line, splitting on bars that are not escaped (as a Markdown renderer does)."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return re.split(r"(?<!\\)\|", inner)


def _headline() -> dict[str, Any]:
    rows = [{"pair": p, "transition": t, "direction": d, "regime": r, "Delta_ad": 2.7391, "g2": 0.53, "g1": 31.0,
             "cutoff": [6, 5, 5], "truncation_error": 3e-3}
            for p, t, d, r in (("ab", "110-", "left", "orange"), ("am", "101-", "right", "orange"))]
    return {"preset": "physical", "units": "GHz", "kappa": 0.016, "rows": rows,
            "verdict": ["main text: g2_ab = 0.49 (ours: 0.530)", "Supplement: g2_ab = 0.29 (ours: 0.530)"]}


def _resonances() -> dict[str, Any]:
    rows = [{"target": [1, 0, 1], "direction": d, "closed_form": 1.319, "corrected": 1.3407, "ed": 1.3408,
             "g_eff": -6.0e-4, "ed_half_splitting": 5.9e-4} for d in ("left", "right")]
    return {"preset": "fig1", "units": "omega_b", "transitions": rows}


def _crosscheck() -> dict[str, Any]:
    checks = []
    for i in range(12):
        checks.append({"name": f"witness_D1_everywhere_in_regime[ams,right]_{i}", "analytic": 1.31908682634 + i,
                       "numeric": None if i % 3 == 0 else 0.000601670940550190, "error": 1.1e-15 * (i + 1),
                       "tolerance": 1e-12, "passed": i % 4 != 1, "expected": i % 8 != 1,
                       "note": PIPE_NOTE + (" | and a bar of its own" if i % 2 else ""), "group": "g"})
    return {"preset": "fig1", "units": "omega_b", "checks": checks, "passed": False, "elapsed": 51.6}


def _draw_png(path: Path, inches: tuple[float, float], quick: bool) -> None:
    with style.figure_style():
        fig, ax = style.new_figure(width=inches[0], height=inches[1])
        ax.plot([0, 1, 2], [0, 1, 0])
        if quick:
            style.stamp_quick(fig)
        fig.savefig(path, format="png", dpi=FIXTURE_DPI)


def make_run_folder(out: Path, *, quick: bool = True) -> dict[str, Any]:
    """A run folder shaped like ``reproduce``'s, built in about a second; returns its run record."""
    (out / "figures" / "work").mkdir(parents=True)
    (out / "derivation").mkdir()
    (out / "derivation" / "derivation.tex").write_text("\\documentclass{article}\n")
    write_json(out / "headline.json", _headline())
    (out / "headline.md").write_text(headline_markdown(_headline()))
    write_json(out / "resonances.json", _resonances())
    (out / "resonances.md").write_text(resonance_markdown(_resonances()))
    write_json(out / "crosscheck.json", _crosscheck())
    (out / "crosscheck.md").write_text(crosscheck_markdown(_crosscheck()))
    for k, name in enumerate(FIGURE_NAMES):
        _draw_png(out / "figures" / f"{name}.png", FIGURE_INCHES[name], quick=quick and k != 1)
        for ext in ("pdf", "npz"):
            (out / "figures" / f"{name}.{ext}").write_bytes(b"x")
        write_json(out / "figures" / f"{name}.json",
                   {"quick": quick and k != 1, "params": {"preset": "fig1", "units": "omega_b"},
                    "cutoff_summary": f"(4, 4, 4) over the whole spectrum; fixture {name}"})
    (out / "figures" / "work" / "checkpoint.json").write_text("{}")
    record = {"preset": "fig1", "quick": quick, "finished": "2026-01-01T00:00:00+00:00", "total_time_s": 12.0,
              "stages": {"derivation": {"status": "ok", "time_s": 1.0},
                         "crosscheck": {"status": "failed", "time_s": 2.0,
                                        "error": "ValueError: a | b in /very/long/path/to/nrbundle-out/figures/work/"
                                                 "sweeps/fig3-orange-0123456789abcdef/points/0001.json"}},
              "derivation": {"tex": "derivation/derivation.tex", "pdf": None,
                             "pdf_error": "pdflatex not found on PATH"}}
    write_json(out / "reproduce.json", record)
    return record


@pytest.fixture()
def run_folder(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    write_index(out, make_run_folder(out))
    return out


# ------------------------------------------------------------------------------------------- Markdown tables
def test_markdown_table_escapes_bars_in_cells():
    t = Table(["a", "b"], [["|x|", Cell("y|z", "code")], ["plain", ""]])
    lines = t.markdown().splitlines()
    assert lines[0] == "| a | b |" and lines[1] == "|---|---|"
    for line in lines[2:]:
        assert len(_split_markdown_row(line)) == 2
    assert "\\|x\\|" in lines[2]


def test_table_refuses_a_row_longer_than_its_header():
    with pytest.raises(ValueError, match="rows"):
        Table(["a"], [["1", "2"]]).markdown()


def test_crosscheck_markdown_rows_have_the_header_cells():
    md = crosscheck_markdown(_crosscheck())
    rows = [line for line in md.splitlines() if line.startswith("|")]
    n = len(_split_markdown_row(rows[0]))
    assert n == 7 and len(rows) == 2 + 12
    for line in rows[2:]:
        assert len(_split_markdown_row(line)) == n, line
    assert "2\\|g_eff\\|" in md and "**FAIL**" in md and "finding (expected)" in md
    assert "| - |" in md  # an undefined number is '-', never a made-up value


def test_crosscheck_report_markdown_goes_through_the_report_table():
    from nrbundle.crosscheck.checks import Check, CrosscheckReport

    rep = CrosscheckReport("fig1", "omega_b", [Check("x", 1.0, 1.0, 0.0, 1e-9, True, "a |b| note", True, "g")], 1.0)
    rows = [line for line in rep.markdown().splitlines() if line.startswith("|")]
    assert all(len(_split_markdown_row(r)) == 7 for r in rows)


def test_headline_and_resonance_markdown_name_preset_and_units():
    h, r = headline_markdown(_headline()), resonance_markdown(_resonances())
    assert "preset `physical`" in h and "GHz" in h and "\\|110->" in h
    assert "preset `fig1`" in r and "omega_b" in r and "\\|101->" in r


def test_png_size_reads_pixels_and_resolution(tmp_path):
    p = tmp_path / "f.png"
    _draw_png(p, (3.4, 2.0), quick=False)
    w, h, dpi = png_size(p)
    assert (w, h) == (340, 200) and dpi == pytest.approx(FIXTURE_DPI, rel=1e-3)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="PNG"):
        png_size(tmp_path / "bad.png")


# ------------------------------------------------------------------------------------------- index.html as text
def test_index_html_references_every_figure_png(tmp_path):
    (tmp_path / "figures").mkdir()
    for k in range(1, 5):
        (tmp_path / "figures" / f"fig{k}.png").write_bytes(PNG_MAGIC)
    write_json(tmp_path / "headline.json", {**_headline(), "rows": [{**_headline()["rows"][0], "pair": "ab"}]})
    rec = {"preset": "fig1", "quick": True, "stages": {"fig1": {"status": "ok", "time_s": 1.0}},
           "derivation": {"tex": "derivation/derivation.tex", "pdf": None, "pdf_error": "pdflatex not found"}}
    html_text = write_index(tmp_path, rec).read_text()
    for k in range(1, 5):
        assert f"src='figures/fig{k}.png'" in html_text
    assert "<td>ab</td>" in html_text and "resonances" in html_text.lower()


def test_index_states_what_each_figure_is(run_folder):
    page = (run_folder / "index.html").read_text()
    for name in FIGURE_NAMES:
        block = page[page.index(f"<figure id='{name}'>"):]
        block = block[:block.index("</figure>")]
        assert ("QUICK run" in block) == (name != "fig2")
        assert "full run" in block or name != "fig2"
        assert "preset <code>fig1</code>" in block and "omega_b" in block
        assert f"fixture {name}" in block  # the cutoffs, from figN.json
        w_in, h_in = FIGURE_INCHES[name]
        assert f"width='{round(w_in * 96)}'" in block  # natural (printed) width at 96 CSS px per inch


def test_index_names_every_sections_preset_and_units(run_folder):
    page = (run_folder / "index.html").read_text()
    head = page[page.index("id='headline'"):page.index("id='resonances'")]
    assert "preset <code>physical</code>" in head and "GHz" in head and "not the run's preset" in head
    res = page[page.index("id='resonances'"):page.index("id='figures'")]
    assert "preset <code>fig1</code>" in res and "units of omega_b" in res
    cc = page[page.index("id='crosscheck'"):page.index("id='stages'")]
    assert "preset <code>fig1</code>" in cc and "units of omega_b" in cc
    assert "`" not in page.replace("<code>", "") and "**" not in page  # no Markdown shown raw


def test_index_links_every_file_of_the_run(run_folder):
    page = (run_folder / "index.html").read_text()
    hrefs = set(re.findall(r"href='([^']+)'", page))
    for p in run_folder.rglob("*"):
        rel = p.relative_to(run_folder).as_posix()
        if p.is_file() and rel != "index.html" and not rel.startswith("figures/work"):
            assert rel in hrefs, rel
    assert not any(h.startswith("figures/work") for h in hrefs)
    assert "pdflatex not found" in page and "Failed stages: crosscheck" in page


def test_index_escapes_table_cells(run_folder):
    page = (run_folder / "index.html").read_text()
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        n = len(re.findall(r"<th>", rows[0]))
        for r in rows[1:]:
            assert len(re.findall(r"<td[ >]", r)) <= n
    assert "2|g_eff| = 0.001173" in html.unescape(page)


# ------------------------------------------------------------------------------------------- in a real browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


#: Runs in the page after every image has loaded and writes what it measured into the DOM (as JSON in a <pre>).
_CHECK_SCRIPT = """
<script>
window.addEventListener('load', function () {
  var de = document.documentElement, res = {tables: [], images: []};
  res.scrollWidth = de.scrollWidth; res.clientWidth = de.clientWidth; res.bodyScrollWidth = document.body.scrollWidth;
  document.querySelectorAll('table').forEach(function (t, i) {
    var count = function (row) { var n = 0; for (var c of row.cells) n += c.colSpan; return n; };
    var rows = t.rows, head = count(rows[0]), worst = 0;
    for (var r = 1; r < rows.length; r++) worst = Math.max(worst, count(rows[r]));
    var box = t.getBoundingClientRect();
    res.tables.push({index: i, header: head, max_cells: worst, rows: rows.length, right: box.right});
  });
  for (var img of document.images) {
    var b = img.getBoundingClientRect();
    res.images.push({src: img.getAttribute('src'), complete: img.complete, naturalWidth: img.naturalWidth,
                     shown: b.width, attr: img.getAttribute('width'), right: b.right});
  }
  var pre = document.createElement('pre'); pre.id = 'nrbundle-check'; pre.textContent = JSON.stringify(res);
  document.body.appendChild(pre);
});
</script>
"""


def browser_measure(index: Path, width: int, tmp: Path) -> dict[str, Any]:
    """Open a copy of ``index`` (same folder, with :data:`_CHECK_SCRIPT`) in headless Chromium at ``width`` CSS px
    and return what the script measured."""
    exe = _chromium()
    assert exe is not None
    page = index.read_text().replace("</body>", _CHECK_SCRIPT + "</body>")
    probe = index.with_name("index-browser-check.html")
    probe.write_text(page)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={tmp / f'chromium-profile-{width}'}", f"--window-size={width},900",
           "--virtual-time-budget=10000", "--dump-dom", probe.resolve().as_uri()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    m = re.search(r"<pre id=\"nrbundle-check\">(.*?)</pre>", proc.stdout, flags=re.S)
    assert m, f"no measurement from Chromium (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def assert_page_sound(res: dict[str, Any], *, expect_images: int, tables_fit: bool = True) -> None:
    """No table row with more cells than its header, every image loaded and not blown up beyond its pixels, and
    no horizontal overflow of the page; with ``tables_fit`` every table also fits the window without scrolling
    sideways in its wrapper (on a phone-sized window a table may scroll inside its wrapper, never the page)."""
    assert res["tables"], "no tables on the page"
    for t in res["tables"]:
        assert t["max_cells"] <= t["header"], t
        if tables_fit:
            assert t["right"] <= res["clientWidth"], t
    assert len(res["images"]) == expect_images
    for img in res["images"]:
        assert img["complete"] and img["naturalWidth"] > 0, img
        assert img["shown"] <= img["naturalWidth"] + 2.5, img  # never enlarged beyond its own pixels (+ border)
    assert res["scrollWidth"] <= res["clientWidth"], res
    assert res["bodyScrollWidth"] <= res["clientWidth"], res


needs_browser = pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs it)")


@needs_browser
@pytest.mark.parametrize("width", [1280, 700, 420])
def test_index_in_headless_chromium(run_folder, tmp_path, width):
    res = browser_measure(run_folder / "index.html", width, tmp_path)
    assert_page_sound(res, expect_images=len(FIGURE_NAMES), tables_fit=width >= 700)
    if width >= 1200:  # room enough: every figure at its printed size (inches x 96 CSS px)
        for img in res["images"]:
            name = Path(img["src"]).stem
            assert img["shown"] == pytest.approx(FIGURE_INCHES[name][0] * 96, abs=3.0), img  # + border


@pytest.mark.slow
@needs_browser
def test_index_of_a_real_quick_run_in_headless_chromium(tmp_path):
    from nrbundle.reproduce import reproduce

    out = reproduce(tmp_path / "out", quick=True, executor="process", workers=2)
    # a real run makes the paper's figures and the figure beyond the paper (docs/beyond.md)
    shown = len(FIGURE_NAMES) + len(EXTRA_FIGURE_NAMES)
    for width in (1280, 700, 420):
        assert_page_sound(browser_measure(out / "index.html", width, tmp_path), expect_images=shown,
                          tables_fit=width >= 700)
