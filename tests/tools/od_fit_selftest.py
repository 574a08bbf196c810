#!/usr/bin/env python3
"""Self-test of od_fit.py: simulate noisy radar and optical passes of an ISS-like orbit, fit from a
perturbed guess, and check the fit recovers the truth within 3 sigma of its own covariance.

    target/test-tools/py/bin/python tests/tools/od_fit_selftest.py    (exit 0 = pass)

The simulator here does not reuse od_fit's measurement model: TEME->ECEF is a rotation matrix,
the site comes from its geodetic coordinates, and az/el come from the SEZ frame (Vallado's
rv2razel) rather than od_fit's east/north/up dot products; so a wrong sign or axis in od_fit's
model makes the fit miss. Case A draws the truth straight from the TLE with twoline2rv (not
od_fit's sgp4init path), so it also checks od_fit's sgp4init arguments, units and epoch.
"""
import json
import math
import os
import sys
import tempfile

import numpy as np
from scipy.stats import chi2
from sgp4.api import WGS72, Satrec, jday
from sgp4.propagation import gstime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import od_fit  # noqa: E402

# The ISS TLE of engine/src/orbit.rs's tests.
LINE1 = "1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998"
LINE2 = "2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014"

WGS84_A_KM, WGS84_F = 6378.137, 1 / 298.257223563
# (name, lat deg, lon deg, height m, kind)
SITES = [
    ("Millstone Hill radar", 42.6175, -71.4913, 131.0, "radar"),
    ("Eglin AN/FPS-85", 30.5724, -86.2147, 34.0, "radar"),
    ("Maui GEODSS", 20.7083, -156.2575, 3058.0, "optical"),
]
SIG_R_KM, SIG_RADAR_DEG, SIG_OPT_DEG = 0.020, 0.02, 2.0 / 3600.0
MIN_EL_DEG = 10.0
PASSES_PER_SITE = 2


def site_ecef(lat, lon, h_m):
    phi, lam = math.radians(lat), math.radians(lon)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A_KM / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    h = h_m / 1000.0
    return np.array([(n + h) * math.cos(phi) * math.cos(lam), (n + h) * math.cos(phi) * math.sin(lam),
                     (n * (1 - e2) + h) * math.sin(phi)])


def rot(axis, ang):
    c, s = math.cos(ang), math.sin(ang)
    if axis == 2:
        return np.array([[c, 0, -s], [0, 1, 0], [s, 0, c]])
    return np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]])


def razel(r_teme, theta, site, lat, lon):
    """Vallado rv2razel style: ECEF = R3(theta) r; SEZ = R2(90-lat) R3(lon) (ECEF - site)."""
    rho = rot(3, theta) @ np.asarray(r_teme) - site
    sez = rot(2, math.radians(90.0 - lat)) @ rot(3, math.radians(lon)) @ rho
    rng = np.linalg.norm(sez)
    az = math.degrees(math.atan2(sez[1], -sez[0])) % 360.0
    return rng, az, math.degrees(math.asin(sez[2] / rng))


def iso_of(jd, fr):
    """ISO UTC string of a split Julian date, to the microsecond."""
    from datetime import datetime, timedelta
    base = datetime(2000, 1, 1, 12)  # JD 2451545.0
    us = round(((jd - 2451545.0) + fr) * 86400e6)
    return (base + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def simulate(propagate, epoch_jd, epoch_fr, t0_min, t1_min, rng_gen):
    """Observations of the first PASSES_PER_SITE passes per site in [t0, t1] minutes since epoch."""
    obs, passes = [], []
    for name, lat, lon, h, kind in SITES:
        site = site_ecef(lat, lon, h)
        step = 10.0 / 60.0 if kind == "radar" else 20.0 / 60.0
        found, in_pass, cur = 0, False, []
        for t in np.arange(t0_min, t1_min, step):
            theta = gstime(epoch_jd + epoch_fr + t / 1440.0)
            rng, az, el = razel(propagate(t), theta, site, lat, lon)
            if el >= MIN_EL_DEG:
                in_pass = True
                cur.append((t, theta, rng, az, el))
            elif in_pass:
                passes.append((name, cur[0][0], cur[-1][0], len(cur), max(c[4] for c in cur)))
                for t_, th, r_, a_, e_ in cur:
                    sa = SIG_RADAR_DEG if kind == "radar" else SIG_OPT_DEG
                    o = {"minutes": float(t_), "site_ecef_km": site.tolist(), "site_lat_deg": lat,
                         "site_lon_deg": lon, "gmst_rad": th,
                         "az_deg": (a_ + rng_gen.normal(0, sa)) % 360.0,
                         "el_deg": e_ + rng_gen.normal(0, sa), "sigma_az_deg": sa, "sigma_el_deg": sa,
                         "range_km": None, "sigma_range_km": None}
                    if kind == "radar":
                        o["range_km"] = r_ + rng_gen.normal(0, SIG_R_KM)
                        o["sigma_range_km"] = SIG_R_KM
                    obs.append(o)
                found, in_pass, cur = found + 1, False, []
                if found == PASSES_PER_SITE:
                    break
    return obs, passes


def run_fit(spec):
    with tempfile.TemporaryDirectory() as d:
        inp, out = os.path.join(d, "in.json"), os.path.join(d, "out.json")
        with open(inp, "w") as f:
            json.dump(spec, f)
        assert od_fit.main(["od_fit.py", inp, out]) == 0
        with open(out) as f:
            return json.load(f)


def check(label, spec, truth, passes):
    print(f"== {label}: epoch {spec['epoch']}, {len(spec['observations'])} observations, "
          f"prior {'yes' if spec['prior'] else 'no'}")
    for name, t0, t1, n, emax in passes:
        print(f"   pass {name:22s} {t0:8.1f} .. {t1:8.1f} min  {n:3d} obs  max el {emax:5.1f} deg")
    res = run_fit(spec)
    x, cov = np.array(res["x"]), np.array(res["covariance"])
    err = x - truth
    sig = np.sqrt(np.diag(cov))
    maha = float(err @ np.linalg.solve(cov, err))
    names = ["a_km", "h", "k", "p", "q", "lambda"]
    print(f"   status {res['status']} ({res['message']}), nfev {res['iterations']}, "
          f"rms {res['rms']:.4f} over {res['n_residuals']} residuals")
    for j in range(6):
        print(f"   {names[j]:7s} init-truth {spec['initial'][j] - truth[j]:+.3e}  fit-truth {err[j]:+.3e}"
              f"  sigma {sig[j]:.3e}  ratio {err[j] / sig[j]:+.2f}")
    limit = chi2.ppf(0.999, 6)
    print(f"   Mahalanobis^2 {maha:.2f} (6 dof, 99.9% bound {limit:.2f})")
    ok = (res["success"] and np.all(np.abs(err / sig) < 3.0) and maha < limit
          and 0.8 < res["rms"] < 1.2)
    print(f"   {'PASS' if ok else 'FAIL'}")
    return ok


def main():
    tle = Satrec.twoline2rv(LINE1, LINE2, WGS72)
    truth = od_fit.from_sgp4_elements(tle.no_kozai, tle.ecco, tle.inclo, tle.nodeo, tle.argpo, tle.mo)
    perturb = np.array([2.0, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4])
    ok = True

    # od_fit's sgp4init path at the TLE's own elements and epoch must reproduce twoline2rv.
    epoch_a = iso_of(tle.jdsatepoch, tle.jdsatepochF)
    probe = od_fit.Problem({"template": {"line1": LINE1, "line2": LINE2}, "epoch": epoch_a,
                            "initial": truth.tolist(), "prior": None, "observations": [
                                {"minutes": t, "site_ecef_km": [0, 0, 0], "site_lat_deg": 0,
                                 "site_lon_deg": 0, "gmst_rad": 0, "az_deg": 0, "el_deg": 0,
                                 "sigma_az_deg": 1, "sigma_el_deg": 1} for t in (0.0, 300.0, 1440.0)]})
    mine, _ = probe.teme(truth)
    ref = np.array([tle.sgp4_tsince(t)[1] for t in (0.0, 300.0, 1440.0)])
    dev = float(np.max(np.abs(mine - ref)))
    print(f"== sgp4init(x_truth) vs twoline2rv over 0..1440 min: max |dr| {dev:.2e} km")
    ok &= dev < 1e-6

    # Case A: the TLE's own epoch, truth straight from twoline2rv, no prior.
    gen = np.random.default_rng(20260530)
    obs, passes = simulate(lambda t: tle.sgp4_tsince(t)[1], tle.jdsatepoch, tle.jdsatepochF,
                           0.0, 1440.0, gen)
    spec = {"template": {"line1": LINE1, "line2": LINE2}, "epoch": epoch_a,
            "initial": (truth + perturb).tolist(), "prior": None, "observations": obs}
    ok &= check("case A (TLE epoch, twoline2rv truth)", spec, truth, passes)

    # Case B: an epoch 6 h after the TLE's, passes on both sides of it, and a loose prior whose
    # mean is itself drawn around the truth. Truth: the TLE's numbers as a new element set there.
    jd_b, fr_b = jday(2026, 5, 30, 18, 0, 0.0)
    sat_b = Satrec()
    sat_b.sgp4init(WGS72, "a", tle.satnum, jd_b - od_fit.JD_1949_12_31 + fr_b, tle.bstar, tle.ndot,
                   tle.nddot, tle.ecco, tle.argpo, tle.inclo, tle.mo, tle.no_kozai, tle.nodeo)
    gen = np.random.default_rng(7)
    obs, passes = simulate(lambda t: sat_b.sgp4_tsince(t)[1], jd_b, fr_b, -720.0, 720.0, gen)
    p_sig = np.array([0.5, 2e-4, 2e-4, 2e-4, 2e-4, 2e-4])
    prior = {"mean": (truth + gen.normal(0, p_sig)).tolist(), "covariance": np.diag(p_sig**2).tolist()}
    spec = {"template": {"line1": LINE1, "line2": LINE2}, "epoch": "2026-05-30T18:00:00",
            "initial": (truth - perturb).tolist(), "prior": prior, "observations": obs}
    ok &= check("case B (epoch TLE+5.6 h, sgp4init truth, prior)", spec, truth, passes)

    print("SELFTEST", "PASSED" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
