#!/usr/bin/env python3
"""Generate an independent Moon reference data set (geometry, phase, alt/az).

Computed ONLY with Python Skyfield and the JPL DE421 ephemeris (no project
Rust code, no other astronomy library).

Run from this folder:
    /tmp/refvenv/bin/python gen_moon.py

Environment (pinned, same as gen_reference.py):
    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install sgp4==2.27 skyfield==1.55 skyfield-data==7.0.0 numpy

Runs fully offline: builtin timescale data (load.timescale(builtin=True),
Skyfield's own leap-second / IERS dUT1 table, so TT and UT1 are handled by
Skyfield) + de421.bsp from skyfield-data. Writes moon_reference.json next to
this script.

What it computes, one sample every 6 h of UTC from 2026-01-01T00:00:00Z
through 2026-12-31T18:00:00Z inclusive (1460 samples):

* teme_km: GEOMETRIC geocentric Moon position (Earth centre -> Moon centre),
  i.e. (moon - earth).at(t) with NO light-time, aberration or deflection,
  rotated into the SGP4 TEME frame with skyfield.sgp4lib.TEME
  (position.frame_xyz(TEME)), km, rounded to 0.001 km. Skyfield's TEME is
  R3(GMST1982(UT1) - GAST) * (precession-nutation matrix at t).
* phase_angle_deg: geocentric phase angle, the Sun-Moon-Earth angle at the
  Moon, from GEOMETRIC vectors at the same instant t (no light time):
  angle between (sun - moon) and (earth - moon), both from DE421 at t.
  4 decimals.
* illuminated_fraction: (1 + cos(phase_angle)) / 2 of that same geometric
  phase angle, 5 decimals. NOTE: Skyfield's almanac.fraction_illuminated
  (deprecated since 1.42) uses earth.at(t).observe(moon), i.e. a light-time
  corrected (astrometric) Moon, which shifts the phase angle by up to
  ~0.006 deg; it is NOT used for the stored values, only printed as a
  cross-check. The ICRF.phase_angle() position method cannot be called on a
  plain geometric (moon - earth).at(t) position in skyfield 1.55
  (center_barycentric is None -> AttributeError), hence the direct
  computation.
* sites[].alt_deg / az_deg: topocentric GEOMETRIC altitude / azimuth of the
  Moon centre from each WGS-84 site (wgs84.latlon(lat, lon, elevation_m)),
  from (moon - (earth + site)).at(t).altaz() -- no light time, no
  aberration, no refraction (NOT observe()/apparent()). Azimuth from north
  through east, [0, 360). Skyfield's site rotation uses its ITRS frame
  (GAST + builtin dUT1, no polar motion). 4 decimals.
"""

import json
import math
import os
import warnings

import numpy as np
import skyfield
from skyfield import almanac
from skyfield.api import Loader, load, wgs84
from skyfield.sgp4lib import TEME
from skyfield_data import get_skyfield_data_path

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "moon_reference.json")

STEP_H = 6
N_SAMPLES = 1460  # 365 days * 4

SITES = [
    dict(name="Socorro", lat_deg=33.8172, lon_deg=-106.6599, alt_m=1510.0),
    dict(name="Siding Spring", lat_deg=-31.2733, lon_deg=149.0644, alt_m=1165.0),
]


def r(x, nd):
    return float(round(float(x), nd))


def angle_between_deg(a, b):
    """Angle between column vectors a, b (shape (3, n)), degrees; robust atan2 form."""
    cross = np.cross(a.T, b.T).T
    return np.degrees(np.arctan2(np.linalg.norm(cross, axis=0), np.sum(a * b, axis=0)))


def main():
    ts = load.timescale(builtin=True)
    # skyfield-data warns that ITS finals2000A.all copy is expired; that file
    # is not used (the builtin timescale uses Skyfield's own data), only
    # de421.bsp is taken from skyfield-data.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The file finals2000A.all has expired")
        data_path = get_skyfield_data_path()
    eph = Loader(data_path, verbose=False)("de421.bsp")
    earth, moon, sun = eph["earth"], eph["moon"], eph["sun"]

    hours = np.arange(N_SAMPLES) * STEP_H
    t = ts.utc(2026, 1, 1, hours)
    utc_labels = [
        "%04d-%02d-%02dT%02d:%02d:%02dZ" % (c[0], c[1], c[2], c[3], c[4], int(round(c[5])))
        for c in zip(*t.utc)
    ]
    assert utc_labels[0] == "2026-01-01T00:00:00Z", utc_labels[0]
    assert utc_labels[-1] == "2026-12-31T18:00:00Z", utc_labels[-1]

    # Geometric geocentric Moon (no light time).
    geo = (moon - earth).at(t)
    teme_km = geo.frame_xyz(TEME).km  # (3, n)
    dist_km = np.linalg.norm(teme_km, axis=0)

    # Geometric phase angle at the Moon: between Moon->Sun and Moon->Earth.
    moon_gcrs_au = geo.xyz.au
    sun_gcrs_au = (sun - earth).at(t).xyz.au
    phase_deg = angle_between_deg(sun_gcrs_au - moon_gcrs_au, -moon_gcrs_au)
    frac = 0.5 * (1.0 + np.cos(np.radians(phase_deg)))

    # Cross-check only (light-time corrected Moon, see docstring).
    frac_alm = almanac.fraction_illuminated(eph, "moon", t)
    pa_alm = almanac.phase_angle(eph, "moon", t).degrees
    print("cross-check vs almanac (astrometric): max |d phase| = %.5f deg, max |d frac| = %.2e"
          % (np.max(np.abs(pa_alm - phase_deg)), np.max(np.abs(frac_alm - frac))))

    samples = []
    for i in range(N_SAMPLES):
        samples.append(dict(
            utc=utc_labels[i],
            teme_km=[r(teme_km[0, i], 3), r(teme_km[1, i], 3), r(teme_km[2, i], 3)],
            phase_angle_deg=r(phase_deg[i], 4),
            illuminated_fraction=r(frac[i], 5),
        ))

    sites_out = []
    for s in SITES:
        site = wgs84.latlon(s["lat_deg"], s["lon_deg"], elevation_m=s["alt_m"])
        alt, az, _ = (moon - (earth + site)).at(t).altaz()
        sites_out.append(dict(
            name=s["name"], lat_deg=s["lat_deg"], lon_deg=s["lon_deg"], alt_m=s["alt_m"],
            alt_deg=[r(x, 4) for x in alt.degrees],
            az_deg=[r(x, 4) % 360.0 for x in az.degrees],
        ))

    doc = dict(
        generator="skyfield %s + de421.bsp (skyfield-data 7.0.0), tests/data/reference/gen_moon.py"
                  % skyfield.__version__,
        conventions=dict(
            time="UTC samples every 6 h; Skyfield builtin timescale (TT, UT1 from its own tables)",
            teme_km="geometric (moon - earth).at(t), no light time/aberration, frame_xyz(skyfield.sgp4lib.TEME), km",
            phase_angle_deg="geometric Sun-Moon-Earth angle at the Moon at t (no light time)",
            illuminated_fraction="(1 + cos(phase_angle)) / 2",
            sites="geometric (moon - (earth + wgs84.latlon(lat, lon, alt_m))).at(t).altaz(), "
                  "no light time, aberration or refraction; az from north through east",
        ),
        samples=samples,
        sites=sites_out,
    )

    with open(OUT, "w") as f:
        f.write("{\n")
        f.write('"generator": %s,\n' % json.dumps(doc["generator"]))
        f.write('"conventions": %s,\n' % json.dumps(doc["conventions"], separators=(",", ":")))
        f.write('"samples": [\n')
        f.write(",\n".join(json.dumps(sm, separators=(",", ":")) for sm in samples))
        f.write("\n],\n")
        f.write('"sites": [\n')
        f.write(",\n".join(json.dumps(so, separators=(",", ":")) for so in sites_out))
        f.write("\n]\n}\n")

    print("wrote %s (%d samples)" % (OUT, N_SAMPLES))
    print("distance km: min %.3f max %.3f" % (dist_km.min(), dist_km.max()))
    print("phase angle deg: min %.4f max %.4f" % (phase_deg.min(), phase_deg.max()))
    for so in sites_out:
        print("%s: alt min %.4f max %.4f" % (so["name"], min(so["alt_deg"]), max(so["alt_deg"])))


if __name__ == "__main__":
    main()
