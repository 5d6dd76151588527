"""Sweep results as xarray Datasets and netCDF: coordinates with units, values bit for bit, provenance, and a sweep
that never fails for want of xarray."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from nrbundle import get_preset
from nrbundle.sweep import dataset as dataset_mod
from nrbundle.sweep import load_sweep, run_sweep

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
import _sweep_points as sp  # noqa: E402

xr = pytest.importorskip("xarray")
needs_netcdf = pytest.mark.skipif(dataset_mod.netcdf_engine() is None, reason="no netCDF engine installed")

GRID = {"kappa": [0.002, 0.005, 0.01], "direction": ["left", "right"]}


def _point(point, *, params=None):
    """A small result in the names of the steady point function: a real, a complex and an array per point."""
    s = 1.0 if point["direction"] == "left" else -1.0
    k = float(point["kappa"])
    return {"g2_am": k * k + s, "c": complex(k, s), "vec": np.array([k, 2 * k, s]), "meta": {"cutoff": [3, 3, 3],
            "residual": k * 1e-16}}


def _sweep(tmp_path, params=None):
    base = {"params": params if params is not None else get_preset("fig1")}
    return run_sweep(_point, GRID, base=base, out=tmp_path / "s", progress=False)


def test_to_xarray_has_the_grid_as_coordinates_with_units(tmp_path):
    res = _sweep(tmp_path)
    ds = res.to_xarray()
    assert list(ds.sizes) == ["kappa", "direction", "vec_dim0"] and ds.sizes["vec_dim0"] == 3
    np.testing.assert_array_equal(ds["kappa"].values, res.axes["kappa"])
    assert ds["direction"].values.tolist() == ["left", "right"]
    assert ds["kappa"].attrs["units"] == "omega_b" and "decay rate" in ds["kappa"].attrs["long_name"]
    assert ds["g2_am"].attrs["units"] == "1" and "Eq. 3" in ds["g2_am"].attrs["long_name"]
    for name in ("g2_am", "c", "vec"):
        np.testing.assert_array_equal(ds[name].values, res[name])
    np.testing.assert_array_equal(ds["residual"].values, res.meta("residual"))  # numeric meta as variables
    assert ds.sel(kappa=0.005, direction="right")["g2_am"].item() == 0.005**2 - 1.0
    assert ds.attrs["func"].endswith("_point") and ds.attrs["n_points"] == 6
    assert json.loads(ds.attrs["failed_points"]) == [] and json.loads(ds.attrs["grid"]) == res.grid.to_dict()


def test_physical_preset_gives_ghz(tmp_path):
    ds = _sweep(tmp_path, get_preset("physical")).to_xarray()
    assert ds["kappa"].attrs["units"] == "GHz" and ds.attrs["frequency_units"] == "GHz"


@needs_netcdf
def test_netcdf_beside_the_npz_round_trips(tmp_path):
    res = _sweep(tmp_path)
    nc = tmp_path / "s" / "result.nc"
    assert json.loads((tmp_path / "s" / "result.json").read_text())["netcdf"].startswith("result.nc")
    with xr.open_dataset(nc) as ds:
        ds = ds.load()
    np.testing.assert_array_equal(ds["kappa"].values, res.axes["kappa"])
    assert ds["direction"].values.tolist() == ["left", "right"]
    np.testing.assert_array_equal(ds["g2_am"].values, res["g2_am"])
    np.testing.assert_array_equal(ds["vec"].values, res["vec"])
    np.testing.assert_array_equal(ds["c_real"].values + 1j * ds["c_imag"].values, res["c"])  # no complex in netCDF
    assert ds["kappa"].attrs["units"] == "omega_b" and ds["g2_am"].attrs["units"] == "1"
    # the netCDF copy holds what load_sweep reads back from the .npz
    xr.testing.assert_equal(ds[["g2_am", "vec"]], load_sweep(tmp_path / "s").to_xarray()[["g2_am", "vec"]])


def test_without_xarray_the_sweep_notes_it_and_writes_no_nc(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset_mod, "netcdf_engine", lambda: None)
    res = _sweep(tmp_path)
    note = json.loads((tmp_path / "s" / "result.json").read_text())["netcdf"]
    assert note.startswith("not written:") and "pip install" in note and "\n" not in note
    assert not (tmp_path / "s" / "result.nc").exists() and res.ok


def test_a_value_netcdf_cannot_hold_is_a_note_not_a_crash(tmp_path, monkeypatch):
    def broken(result):
        raise TypeError("cannot encode")

    monkeypatch.setattr(dataset_mod, "to_dataset", broken)
    assert dataset_mod.write_netcdf(_sweep(tmp_path), tmp_path) == "not written: TypeError: cannot encode"


def test_sweep_result_repr_is_short(tmp_path):
    res = run_sweep(sp.quadratic, {"x": np.linspace(0, 1, 500), "direction": ["left", "right"]}, progress=False)
    text = repr(res)
    assert len(text) < 200 and "quadratic" in text and "0 failed" in text and "(500)" in text
