#!/usr/bin/env python3
"""Independent batch weighted least-squares orbit determination of SGP4 mean elements.

    od_fit.py INPUT.json OUTPUT.json

A reference for the engine's own fit: it shares no code with the engine (Vallado's SGP4 from the
`sgp4` package on PyPI, scipy's least_squares). Run it with target/test-tools/py/bin/python
(tests/tools/setup.sh installs sgp4 and scipy there).

Input:
  {"template": {"line1": ..., "line2": ...},  TLE giving bstar, ndot, nddot, satnum (held fixed)
   "epoch": "YYYY-MM-DDTHH:MM:SS[.ffffff]",   UTC epoch of the estimated elements
   "initial": [a_km, h, k, p, q, lambda_rad], starting guess
   "prior": null | {"mean": [6], "covariance": [[6x6]]},
   "bstar_sigma": null | 1-sigma (1/earth radii): also estimate B* (x gains a seventh entry), with
                  the template's bstar as its a-priori mean,
   "observations": [{"minutes", "site_ecef_km": [3], "site_lat_deg", "site_lon_deg", "gmst_rad",
                     "range_km" (or null), "az_deg", "el_deg",
                     "sigma_range_km" (or null), "sigma_az_deg", "sigma_el_deg"}, ...]}
The state x is the SGP4 mean equinoctial set at "epoch": a (km, from the Kozai mean motion with
mu = 398600.8 km^3/s^2, WGS-72), h = e cos(W+w), k = e sin(W+w), p = tan(i/2) cos W,
q = tan(i/2) sin W, lambda = W+w+M (rad).

Output:
  {"x": [6 or 7], "covariance": [[6x6 or 7x7]] ((J^T J)^-1 of the whitened residuals at the solution),
   "rms": sqrt(mean of the squared whitened measurement residuals; prior rows excluded),
   "iterations": nfev, "njev": ..., "status": scipy status code, "message": scipy message,
   "success": bool, "n_residuals": measurement residual count}
"""
import json
import math
import sys

import numpy as np
from scipy.optimize import least_squares
from sgp4.api import WGS72, Satrec, jday

MU_KM3_S2 = 398600.8  # WGS-72, as SGP4 uses
JD_1949_12_31 = 2433281.5  # sgp4init's epoch origin: days since 1949 December 31 00:00 UT
# Central-difference steps for the Jacobian: a in km, the rest dimensionless / radians.
JAC_STEP = np.array([1e-3, 1e-7, 1e-7, 1e-7, 1e-7, 1e-7, 1e-6])  # the last: B*, 1/earth radii
X_SCALE = np.array([1.0, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4])


def epoch_days_since_1949(iso):
    """UTC ISO timestamp -> days since 1949-12-31 00:00, whole days and day fraction kept apart
    so the float keeps sub-microsecond precision."""
    date, _, time = iso.rstrip("Z").partition("T")
    y, mo, d = (int(v) for v in date.split("-"))
    hh, mm, ss = (time or "00:00:00").split(":")
    jd, _ = jday(y, mo, d, 0, 0, 0.0)
    frac = (int(hh) * 3600 + int(mm) * 60 + float(ss)) / 86400.0
    return (jd - JD_1949_12_31) + frac


def to_sgp4_elements(x):
    """Equinoctial x -> (e, argp, incl, M, no_kozai rad/min, raan), as sgp4init takes them."""
    a, h, k, p, q, lam = x
    e = min(max(math.hypot(h, k), 1e-7), 0.99)
    lp = math.atan2(k, h)
    t = math.hypot(p, q)
    raan = math.atan2(q, p) if t > 0.0 else 0.0
    incl = 2.0 * math.atan(t)
    argp = (lp - raan) % (2 * math.pi)
    m = (lam - lp) % (2 * math.pi)
    n_rad_s = math.sqrt(MU_KM3_S2 / a**3) if a > 0 else float("nan")
    return e, argp, incl, m, n_rad_s * 60.0, raan % (2 * math.pi)


def from_sgp4_elements(no_kozai, ecco, inclo, nodeo, argpo, mo):
    """The inverse map (used by the self-test): sgp4 mean elements -> equinoctial x."""
    a = (MU_KM3_S2 / (no_kozai / 60.0) ** 2) ** (1.0 / 3.0)
    lp = nodeo + argpo
    t = math.tan(inclo / 2.0)
    return np.array([a, ecco * math.cos(lp), ecco * math.sin(lp), t * math.cos(nodeo),
                     t * math.sin(nodeo), lp + mo])


class Problem:
    def __init__(self, spec):
        tpl = Satrec.twoline2rv(spec["template"]["line1"], spec["template"]["line2"], WGS72)
        self.satnum = tpl.satnum
        self.bstar, self.ndot, self.nddot = tpl.bstar, tpl.ndot, tpl.nddot  # sgp4init units
        self.epoch = epoch_days_since_1949(spec["epoch"])
        obs = spec["observations"]
        self.minutes = [float(o["minutes"]) for o in obs]
        self.site = np.array([o["site_ecef_km"] for o in obs], float)
        lat = np.radians([o["site_lat_deg"] for o in obs])
        lon = np.radians([o["site_lon_deg"] for o in obs])
        self.east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], 1)
        self.north = np.stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)], 1)
        self.up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1)
        self.gmst = np.array([o["gmst_rad"] for o in obs], float)
        self.az = np.array([o["az_deg"] for o in obs], float)
        self.el = np.array([o["el_deg"] for o in obs], float)
        self.s_az = np.array([o["sigma_az_deg"] for o in obs], float)
        self.s_el = np.array([o["sigma_el_deg"] for o in obs], float)
        has_r = [o.get("range_km") is not None and o.get("sigma_range_km") is not None for o in obs]
        self.r_idx = np.nonzero(has_r)[0]
        self.rng = np.array([obs[i]["range_km"] for i in self.r_idx], float)
        self.s_rng = np.array([obs[i]["sigma_range_km"] for i in self.r_idx], float)
        self.n_meas = len(self.r_idx) + 2 * len(obs)
        self.bstar_sigma = spec.get("bstar_sigma")
        self.n = 6 if self.bstar_sigma is None else 7
        prior = spec.get("prior")
        if prior is not None:
            self.prior_mean = np.array(prior["mean"], float)
            self.prior_L = np.linalg.cholesky(np.array(prior["covariance"], float))
        else:
            self.prior_mean = None

    def teme(self, x):
        e, argp, incl, m, no_kozai, raan = to_sgp4_elements(x[:6])
        bstar = self.bstar if self.n == 6 else x[6]
        sat = Satrec()
        sat.sgp4init(WGS72, "a", self.satnum, self.epoch, bstar, self.ndot, self.nddot,
                     e, argp, incl, m, no_kozai, raan)
        out = np.empty((len(self.minutes), 3))
        for j, t in enumerate(self.minutes):
            err, r, _ = sat.sgp4_tsince(t)
            if err != 0:
                return None, err
            out[j] = r
        return out, 0

    def model(self, x):
        """Modelled (range km, az deg in [0, 360), el deg) per observation, or None on an SGP4 error."""
        r, err = self.teme(x)
        if r is None:
            return None
        c, s = np.cos(self.gmst), np.sin(self.gmst)
        ecef = np.stack([c * r[:, 0] + s * r[:, 1], -s * r[:, 0] + c * r[:, 1], r[:, 2]], 1)
        los = ecef - self.site
        rng = np.linalg.norm(los, axis=1)
        e = np.sum(los * self.east, 1)
        n = np.sum(los * self.north, 1)
        u = np.sum(los * self.up, 1)
        az = np.degrees(np.arctan2(e, n)) % 360.0
        el = np.degrees(np.arcsin(np.clip(u / rng, -1.0, 1.0)))
        return rng, az, el

    def measurement_residuals(self, x):
        m = self.model(x)
        if m is None:  # SGP4 failed (decayed, e >= 1, ...): a large, finite penalty rejects the step
            return np.full(self.n_meas, 1e8)
        rng, az, el = m
        daz = (self.az - az + 180.0) % 360.0 - 180.0
        return np.concatenate([(self.rng - rng[self.r_idx]) / self.s_rng, daz / self.s_az,
                               (self.el - el) / self.s_el])

    def residuals(self, x):
        r = self.measurement_residuals(x)
        if self.n == 7:
            r = np.concatenate([r, [(x[6] - self.bstar) / self.bstar_sigma]])
        if self.prior_mean is None:
            return r
        d = np.array(x[:6], float) - self.prior_mean
        d[5] = (d[5] + math.pi) % (2 * math.pi) - math.pi  # mean longitude: nearest turn
        return np.concatenate([r, np.linalg.solve(self.prior_L, d)])

    def jacobian(self, x):
        x = np.asarray(x, float)
        cols = []
        for j in range(self.n):
            dx = np.zeros(self.n)
            dx[j] = JAC_STEP[j]
            cols.append((self.residuals(x + dx) - self.residuals(x - dx)) / (2 * JAC_STEP[j]))
        return np.stack(cols, 1)


def fit(spec):
    prob = Problem(spec)
    x0 = np.array(spec["initial"], float)
    if prob.n == 7:
        x0 = np.append(x0, prob.bstar)
    sol = least_squares(prob.residuals, x0, jac=prob.jacobian, method="trf", x_scale=X_SCALE[:prob.n],
                        xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=200)
    jac = prob.jacobian(sol.x)
    cov = np.linalg.inv(jac.T @ jac)
    meas = prob.measurement_residuals(sol.x)
    return {
        "x": sol.x.tolist(),
        "covariance": cov.tolist(),
        "rms": float(np.sqrt(np.mean(meas**2))),
        "iterations": int(sol.nfev),
        "njev": int(sol.njev) if sol.njev is not None else None,
        "status": int(sol.status),
        "message": str(sol.message),
        "success": bool(sol.success),
        "n_residuals": int(prob.n_meas),
    }


def main(argv):
    if len(argv) != 3:
        print("usage: od_fit.py INPUT.json OUTPUT.json", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        spec = json.load(f)
    out = fit(spec)
    with open(argv[2], "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
