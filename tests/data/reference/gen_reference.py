#!/usr/bin/env python3
"""Generate an independent access/geometry reference data set.

Computed ONLY with Python Skyfield and python-sgp4 (no project Rust code).

Run from this folder:
    /tmp/refvenv/bin/python gen_reference.py

Environment (pinned):
    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install sgp4==2.27 skyfield==1.55 skyfield-data==7.0.0 numpy

Runs fully offline: builtin timescale data + de421.bsp from skyfield-data.
Reads iss-2026-05-30.tle and geo-2026-05-30.tle next to this script and
writes access_reference.json next to this script.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import sgp4
import skyfield
from sgp4.api import WGS72, Satrec, SGP4_ERRORS
from sgp4.api import jday as sgp4_jday
from sgp4.earth_gravity import wgs72 as py_wgs72
from sgp4.io import twoline2rv as py_twoline2rv
from sgp4.propagation import gstime
from sgp4.propagation import sgp4 as py_sgp4
from skyfield.api import EarthSatellite, Loader, load, wgs84
from skyfield_data import get_skyfield_data_path

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- inputs
START_UTC = (2026, 5, 30, 12, 0, 0.0)
TICK_S = 10.0
N_TICKS = 2160

SITE_A = dict(name="radar", lat_deg=35.0, lon_deg=139.0, alt_m=100.0, min_el_deg=10.0)
SITE_B = dict(name="optical", lat_deg=33.8, lon_deg=-106.66, alt_m=1510.0)

SUN_STRIDE = 60
WINDOW_SAMPLE_STRIDE = 30
GEO_TICKS = [0, 360, 720, 1080, 1440, 1800, 2159]
SGP4_TICKS = [0, 100, 1000, 2159]
N_TICKS_24H = 8640              # supplementary 24 h grid (same start/tick)
SUPP_SITE_B_MIN_EL_DEG = 10.0   # supplementary ISS access at site B

# WGS-84 ellipsoid (for the simplified chain's site position)
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563


def read_tle(fname):
    with open(os.path.join(HERE, fname)) as f:
        lines = [ln.rstrip("\r\n") for ln in f if ln.strip()]
    assert len(lines) == 3, fname
    return lines


def r(x, nd):
    """Round for JSON (keeps file small but far below the stated tolerances)."""
    return float(round(float(x), nd))


# ----------------------------------------------------- simplified chain
def site_ecef_km(lat_deg, lon_deg, alt_m):
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    e2 = WGS84_F * (2.0 - WGS84_F)
    n = WGS84_A_KM / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
    h = alt_m / 1000.0
    return np.array([
        (n + h) * math.cos(lat) * math.cos(lon),
        (n + h) * math.cos(lat) * math.sin(lon),
        (n * (1.0 - e2) + h) * math.sin(lat),
    ])


def teme_to_pef(r_teme, gmst):
    """PEF = R3(gmst) * TEME (rotation about z by +gmst of the frame)."""
    c, s = math.cos(gmst), math.sin(gmst)
    x, y, z = r_teme
    return np.array([c * x + s * y, -s * x + c * y, z])


def topo_aer(r_ecef_km, site):
    lat, lon = math.radians(site["lat_deg"]), math.radians(site["lon_deg"])
    d = r_ecef_km - site_ecef_km(site["lat_deg"], site["lon_deg"], site["alt_m"])
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    e = -so * d[0] + co * d[1]
    n = -sl * co * d[0] - sl * so * d[1] + cl * d[2]
    u = cl * co * d[0] + cl * so * d[1] + sl * d[2]
    rng = math.sqrt(e * e + n * n + u * u)
    el = math.degrees(math.asin(u / rng))
    az = math.degrees(math.atan2(e, n)) % 360.0
    return az, el, rng


def windows_from_mask(mask):
    out, start = [], None
    for k, m in enumerate(mask):
        if m and start is None:
            start = k
        if not m and start is not None:
            out.append((start, k - 1))
            start = None
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def build_windows(el_deg, az_deg, rng_km, t, min_el, with_samples=True, with_utc=True):
    """Access windows (inclusive tick runs with el >= min_el) + boundary info."""
    n = len(el_deg)

    def el_or_none(k):
        return r(el_deg[k], 9) if 0 <= k < n else None

    out = []
    for (a, b) in windows_from_mask(el_deg >= min_el):
        kmax = a + int(np.argmax(el_deg[a:b + 1]))
        w = dict(first_tick=a, last_tick=b, n_ticks=b - a + 1)
        if with_utc:
            w.update(first_utc=t[a].utc_iso(places=0), last_utc=t[b].utc_iso(places=0))
        w.update(
            el_deg_at_first_tick_minus_1=el_or_none(a - 1),
            el_deg_at_first_tick=el_or_none(a),
            el_deg_at_last_tick=el_or_none(b),
            el_deg_at_last_tick_plus_1=el_or_none(b + 1),
            max_el_tick=kmax,
            max_el_deg=r(el_deg[kmax], 9),
            az_deg_at_max_el=r(az_deg[kmax], 9),
            range_km_at_max_el=r(rng_km[kmax], 6),
        )
        if with_samples:
            w["samples_every_30_ticks"] = [
                dict(tick=k, az_deg=r(az_deg[k], 9), el_deg=r(el_deg[k], 9), range_km=r(rng_km[k], 6))
                for k in range(a, b + 1, WINDOW_SAMPLE_STRIDE)]
        out.append(w)
    return out


def main():
    iss_lines = read_tle("iss-2026-05-30.tle")
    geo_lines = read_tle("geo-2026-05-30.tle")

    ts = load.timescale(builtin=True)
    # skyfield-data warns that ITS finals2000A.all copy is expired; that file
    # is not used here (the builtin timescale uses Skyfield's own iers.npz),
    # only de421.bsp is taken from skyfield-data.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The file finals2000A.all has expired")
        data_path = get_skyfield_data_path()
    eph = Loader(data_path, verbose=False)("de421.bsp")
    earth, sun = eph["earth"], eph["sun"]

    y, mo, d, hh, mm, ss = START_UTC
    ticks = np.arange(N_TICKS)
    t_all = ts.utc(y, mo, d, hh, mm, ss + TICK_S * ticks)

    iss = EarthSatellite(iss_lines[1], iss_lines[2], iss_lines[0].strip(), ts)
    geo = EarthSatellite(geo_lines[1], geo_lines[2], geo_lines[0].strip(), ts)

    site_a = wgs84.latlon(SITE_A["lat_deg"], SITE_A["lon_deg"], elevation_m=SITE_A["alt_m"])
    site_b = wgs84.latlon(SITE_B["lat_deg"], SITE_B["lon_deg"], elevation_m=SITE_B["alt_m"])

    # ---------------------------------------------- 1. ISS access at site A
    alt, az, dist = (iss - site_a).at(t_all).altaz()
    el_deg, az_deg, rng_km = alt.degrees, az.degrees, dist.km
    min_el = SITE_A["min_el_deg"]
    windows_json = build_windows(el_deg, az_deg, rng_km, t_all, min_el)

    # -------------------------------- 2. ISS sunlit + Sun elevation at site B
    sun_ticks = list(range(0, N_TICKS, SUN_STRIDE))
    t_sun = t_all[sun_ticks]
    sunlit = iss.at(t_sun).is_sunlit(eph)
    sun_alt, sun_az, _ = (earth + site_b).at(t_sun).observe(sun).apparent().altaz()
    sun_json = [dict(tick=k, iss_sunlit=bool(sunlit[i]),
                     sun_el_deg_site_b=r(sun_alt.degrees[i], 9),
                     sun_az_deg_site_b=r(sun_az.degrees[i], 9))
                for i, k in enumerate(sun_ticks)]

    # ---------------------------------------------- 3. GEO at site B
    t_geo = t_all[GEO_TICKS]
    galt, gaz, gdist = (geo - site_b).at(t_geo).altaz()
    geo_json = [dict(tick=k, az_deg=r(gaz.degrees[i], 9), el_deg=r(galt.degrees[i], 9),
                     range_km=r(gdist.km[i], 6))
                for i, k in enumerate(GEO_TICKS)]

    # --------------------------- 4. python-sgp4 directly, AFSPC mode ('a')
    # Satrec.twoline2rv (C++ accelerated) hard-codes opsmode 'i'; its method
    # takes no opsmode argument.  To get AFSPC mode we parse the TLE with
    # Satrec.twoline2rv and re-initialise the same element set with
    # Satrec.sgp4init(WGS72, 'a', ...), exactly as twoline2rv would do.
    def satrec_afspc(l1, l2):
        p = Satrec.twoline2rv(l1, l2, WGS72)
        s = Satrec()
        epoch = (p.jdsatepoch - 2433281.5) + p.jdsatepochF
        s.sgp4init(WGS72, 'a', p.satnum, epoch, p.bstar, p.ndot, p.nddot,
                   p.ecco, p.argpo, p.inclo, p.mo, p.no_kozai, p.nodeo)
        # restore the exact split epoch used by twoline2rv
        s.jdsatepoch, s.jdsatepochF = p.jdsatepoch, p.jdsatepochF
        return p, s

    iss_i, iss_a = satrec_afspc(iss_lines[1], iss_lines[2])
    assert iss_a.operationmode == 'a' and iss_i.operationmode == 'i'

    def jd_split(k):
        jd, fr = sgp4_jday(y, mo, d, hh, mm, ss + TICK_S * k)
        return jd, fr

    def tsince_min(sat, k):
        jd, fr = jd_split(k)
        return ((jd - sat.jdsatepoch) + (fr - sat.jdsatepochF)) * 1440.0

    def simplified(sat, k, site, dut1_s=0.0):
        jd, fr = jd_split(k)
        e, rt, vt = sat.sgp4(jd, fr)
        if e:
            raise RuntimeError(SGP4_ERRORS[e])
        g = gstime(jd + fr + dut1_s / 86400.0)
        az_, el_, rg_ = topo_aer(teme_to_pef(rt, g), site)
        return rt, vt, g, az_, el_, rg_

    sgp4_json = []
    chain_cmp = []
    dut1_cmp = []
    max_diff = dict(el_deg=0.0, az_deg=0.0, range_km=0.0)
    max_diff_dut1 = dict(el_deg=0.0, az_deg=0.0, range_km=0.0)
    max_i_vs_a_km = 0.0
    for k in SGP4_TICKS:
        rt, vt, g, saz, sel, srg = simplified(iss_a, k, SITE_A)
        _, ri, _ = iss_i.sgp4(*jd_split(k))
        max_i_vs_a_km = max(max_i_vs_a_km, float(np.max(np.abs(np.array(ri) - np.array(rt)))))
        sgp4_json.append(dict(
            tick=k,
            tsince_min=r(tsince_min(iss_a, k), 10),
            jd_utc_whole=jd_split(k)[0],
            jd_utc_fraction=r(jd_split(k)[1], 15),
            teme_pos_km=[r(x, 9) for x in rt],
            teme_vel_km_s=[r(x, 12) for x in vt],
            gmst_rad=r(g, 15),
        ))
        # 5. simplified chain vs Skyfield chain
        daz = ((saz - az_deg[k] + 180.0) % 360.0) - 180.0
        diff = dict(el_deg=sel - el_deg[k], az_deg=daz, range_km=srg - rng_km[k])
        for key in max_diff:
            max_diff[key] = max(max_diff[key], abs(diff[key]))
        chain_cmp.append(dict(
            tick=k,
            simplified_az_deg=r(saz, 9), simplified_el_deg=r(sel, 9), simplified_range_km=r(srg, 6),
            skyfield_az_deg=r(az_deg[k], 9), skyfield_el_deg=r(el_deg[k], 9), skyfield_range_km=r(rng_km[k], 6),
            diff_simplified_minus_skyfield=dict(el_deg=r(diff["el_deg"], 9), az_deg=r(diff["az_deg"], 9),
                                                range_km=r(diff["range_km"], 7)),
        ))
        # diagnostic: same simplified chain but GMST evaluated at UT1 (Skyfield's dUT1)
        dut1 = float(t_all[k].dut1)
        _, _, _, saz2, sel2, srg2 = simplified(iss_a, k, SITE_A, dut1_s=dut1)
        d2 = dict(el_deg=sel2 - el_deg[k], az_deg=((saz2 - az_deg[k] + 180) % 360) - 180,
                  range_km=srg2 - rng_km[k])
        for key in max_diff_dut1:
            max_diff_dut1[key] = max(max_diff_dut1[key], abs(d2[key]))
        dut1_cmp.append(dict(tick=k, dut1_s=r(dut1, 7),
                             diff_el_deg=r(d2["el_deg"], 10), diff_az_deg=r(d2["az_deg"], 10),
                             diff_range_km=r(d2["range_km"], 8)))

    # Simplified chain over a whole grid: windows + boundary elevations,
    # so the Rust side can check window edges against the chain it implements.
    def simplified_grid(site, n):
        se, sa, sr = np.empty(n), np.empty(n), np.empty(n)
        for k in range(n):
            _, _, _, sa[k], se[k], sr[k] = simplified(iss_a, k, site)
        return se, sa, sr

    def grid_compare(se, sa, sr, el, az, rg, min_el_):
        daz = ((sa - az + 180.0) % 360.0) - 180.0
        up = el > 0
        sk_w = [(w[0], w[1]) for w in windows_from_mask(el >= min_el_)]
        si_w = [(w[0], w[1]) for w in windows_from_mask(se >= min_el_)]
        return dict(
            n_ticks=len(el),
            max_abs_el_deg_all_ticks=r(np.max(np.abs(se - el)), 10),
            max_abs_range_km_all_ticks=r(np.max(np.abs(sr - rg)), 8),
            max_abs_el_deg_ticks_above_horizon=r(np.max(np.abs((se - el)[up])), 10) if up.any() else None,
            max_abs_az_deg_ticks_above_horizon=r(np.max(np.abs(daz[up])), 10) if up.any() else None,
            windows_identical_to_skyfield=(sk_w == si_w),
        )

    simp_el, simp_az, simp_rg = simplified_grid(SITE_A, N_TICKS)
    simp_windows_json = build_windows(simp_el, simp_az, simp_rg, t_all, min_el,
                                      with_samples=False, with_utc=False)
    grid_diff = grid_compare(simp_el, simp_az, simp_rg, el_deg, az_deg, rng_km, min_el)

    # ------------------------------------------------ supplementary sections
    # (a) The required 6 h grid contains NO ISS pass at site A.  Same tick
    #     rule extended to 24 h (ticks 0..8639) so there are windows to test.
    n24 = N_TICKS_24H
    t24 = ts.utc(y, mo, d, hh, mm, ss + TICK_S * np.arange(n24))
    a24, z24, r24 = (iss - site_a).at(t24).altaz()
    el24, az24, rg24 = a24.degrees, z24.degrees, r24.km
    win24 = build_windows(el24, az24, rg24, t24, min_el)
    s_el24, s_az24, s_rg24 = simplified_grid(SITE_A, n24)
    simp_win24 = build_windows(s_el24, s_az24, s_rg24, t24, min_el, with_samples=False, with_utc=False)
    cmp24 = grid_compare(s_el24, s_az24, s_rg24, el24, az24, rg24, min_el)

    # (b) ISS at site B (min el 10 deg) on the required 6 h grid.
    ab, zb, rb = (iss - site_b).at(t_all).altaz()
    elb, azb, rgb = ab.degrees, zb.degrees, rb.km
    winb = build_windows(elb, azb, rgb, t_all, SUPP_SITE_B_MIN_EL_DEG)
    s_elb, s_azb, s_rgb = simplified_grid(SITE_B, N_TICKS)
    simp_winb = build_windows(s_elb, s_azb, s_rgb, t_all, SUPP_SITE_B_MIN_EL_DEG,
                              with_samples=False, with_utc=False)
    cmpb = grid_compare(s_elb, s_azb, s_rgb, elb, azb, rgb, SUPP_SITE_B_MIN_EL_DEG)

    # Opsmode diagnostics.  NOTE: the C++ (accelerated) sgp4init in
    # python-sgp4 2.27 follows Vallado's 2020 C++ code, in which the AFSPC
    # "old way" epoch-GMST (gsto, ds70 formula) is commented out; there
    # opsmode 'a' only changes the deep-space _dpper node wrap.  The
    # pure-Python port (sgp4.io.twoline2rv(..., 'a')) still uses the ds70
    # gsto in AFSPC mode.  Report both against the accelerated 'a' object.
    geo_i, geo_a = satrec_afspc(geo_lines[1], geo_lines[2])
    iss_py_a = py_twoline2rv(iss_lines[1], iss_lines[2], py_wgs72, 'a')
    geo_py_a = py_twoline2rv(geo_lines[1], geo_lines[2], py_wgs72, 'a')

    def max_norm_diff(sat_ref, sat_py, sat_other, ticks_):
        d_py, d_other = 0.0, 0.0
        for k in ticks_:
            _, ra, _ = sat_ref.sgp4(*jd_split(k))
            rp, _ = py_sgp4(sat_py, tsince_min(sat_ref, k))
            _, ro, _ = sat_other.sgp4(*jd_split(k))
            d_py = max(d_py, float(np.linalg.norm(np.array(ra) - np.array(rp))))
            d_other = max(d_other, float(np.linalg.norm(np.array(ra) - np.array(ro))))
        return d_py, d_other

    iss_d_py, _ = max_norm_diff(iss_a, iss_py_a, iss_i, SGP4_TICKS)
    geo_d_py, geo_mode_diff = max_norm_diff(geo_a, geo_py_a, geo_i, GEO_TICKS)
    opsmode_diag = dict(
        note=("Observed: python-sgp4 2.27 accelerated (C++) Satrec.sgp4init(opsmode='a') yields the same epoch "
              "GMST gsto as 'i' (IAU-82 gstime; the AFSPC ds70 gsto formula is not used by that C++ code), so there "
              "'a' differs from 'i' only in the deep-space dpper node wrap; the pure-Python port "
              "sgp4.io.twoline2rv(l1, l2, wgs72, 'a') uses the old ds70 gsto. gsto only enters deep-space "
              "(period >= 225 min) propagation, so for the ISS all variants agree exactly."),
        iss_gsto_rad=dict(accelerated_a=iss_a.gsto, accelerated_i=iss_i.gsto, pure_python_a=iss_py_a.gsto),
        geo_gsto_rad=dict(accelerated_a=geo_a.gsto, accelerated_i=geo_i.gsto, pure_python_a=geo_py_a.gsto),
        iss_max_norm_km_accelerated_a_vs_pure_python_a_at_sgp4_ticks=iss_d_py,
        geo_max_norm_km_accelerated_a_vs_pure_python_a_at_geo_ticks=geo_d_py,
        geo_max_norm_km_accelerated_a_vs_accelerated_i_at_geo_ticks=geo_mode_diff,
    )

    out = dict(
        description=("Independent reference geometry for the space-surveillance simulator, "
                     "computed with Python Skyfield and python-sgp4 only (gen_reference.py)."),
        software=dict(python=sys.version.split()[0], sgp4=sgp4.__version__,
                      skyfield=skyfield.__version__, numpy=np.__version__,
                      skyfield_data="7.0.0", ephemeris="de421.bsp (from skyfield-data)",
                      timescale="skyfield load.timescale(builtin=True)"),
        inputs=dict(
            iss_tle_file="iss-2026-05-30.tle",
            iss_tle=iss_lines,
            geo_tle_file="geo-2026-05-30.tle",
            geo_tle=geo_lines,
            time_grid=dict(start_utc="2026-05-30T12:00:00Z", tick_s=TICK_S, n_ticks=N_TICKS,
                           tick_rule="tick k is at start_utc + 10*k seconds (UTC), k = 0..2159"),
            site_a=SITE_A,
            site_b=SITE_B,
        ),
        result_note=(f"On the required 6 h grid the ISS has {len(windows_json)} access window(s) at site A "
                     f"(max Skyfield el over the grid {el_deg.max():.6f} deg at tick {int(np.argmax(el_deg))}). "
                     "See supplementary_iss_site_a_access_24h and supplementary_iss_site_b_access_6h "
                     "for further window sets on the same tick rule."),
        conventions=dict(
            angles="degrees unless key ends in _rad; azimuth measured from north, clockwise (east = 90), in [0, 360)",
            elevation="geometric elevation above the WGS-84 ellipsoid-normal local horizon; no refraction",
            skyfield_chain=("EarthSatellite(line1, line2, name, ts) -> python-sgp4 Satrec.twoline2rv(WGS72) "
                            "in IMPROVED mode ('i'; Skyfield offers no opsmode choice), propagated at the UTC "
                            "Julian date; TEME->ITRS via Skyfield's GMST-1982 at UT1 (builtin dUT1 table), no polar "
                            "motion (builtin timescale has none); site = wgs84.latlon(lat, lon, elevation_m); "
                            "(sat - site).at(t).altaz(): geometric vector, no light-time, no aberration, no refraction."),
            access_windows=("maximal runs of consecutive ticks with Skyfield el_deg >= min_el_deg (10.0); "
                            "first_tick/last_tick inclusive; boundary elevations at first-1, first, last, last+1 given; "
                            "max_el over the window's ticks only (tick-sampled, not refined)"),
            window_samples="az/el/range at ticks first_tick, first_tick+30, first_tick+60, ... <= last_tick",
            iss_sunlit=("Skyfield iss.at(t).is_sunlit(de421): True unless the straight line from the "
                        "satellite to the Sun's geometric geocentric position (no light-time) intersects a "
                        "spherical Earth of radius 6378.1366 km (point Sun, no penumbra, no atmosphere); "
                        "every 60th tick"),
            sun_elevation=("Skyfield (earth + site_b).at(t).observe(sun).apparent().altaz() with NO temperature/"
                           "pressure arguments => apparent (light-time + aberration + deflection) altitude WITHOUT "
                           "refraction; every 60th tick"),
            geo_at_site_b="Skyfield chain as above for the GEO TLE, site B; ticks 0,360,720,1080,1440,1800,2159",
            sgp4_direct=("python-sgp4 2.27 C++-accelerated Satrec. Satrec.twoline2rv() has no opsmode parameter "
                         "(it hard-codes 'i'), so the TLE is parsed with Satrec.twoline2rv(l1, l2, WGS72) and the "
                         "parsed elements re-initialised with Satrec.sgp4init(WGS72, 'a', satnum, "
                         "epoch=(jdsatepoch-2433281.5)+jdsatepochF, bstar, ndot, nddot, ecco, argpo, inclo, mo, "
                         "no_kozai, nodeo) => AFSPC compatibility mode; jdsatepoch/jdsatepochF restored to the "
                         "TLE-derived split values. Propagated with sat.sgp4(jd, fr), (jd, fr) = sgp4.api.jday(UTC). "
                         "tsince_min = ((jd - jdsatepoch) + (fr - jdsatepochF)) * 1440. Positions TEME km, velocity "
                         "TEME km/s. For the (near-Earth) ISS, 'a' and 'i' modes give identical states "
                         "(see diagnostics.iss_afspc_vs_improved_max_abs_km)."),
            gmst=("sgp4.propagation.gstime(jd_ut1) (python port of Vallado's gstime, IAU-82 GMST: "
                  "67310.54841 + (876600*3600 + 8640184.812866) T + 0.093104 T^2 - 6.2e-6 T^3 seconds, "
                  "T = (jd_ut1 - 2451545)/36525, converted to rad and reduced to [0, 2pi)), "
                  "with jd_ut1 = jd_utc = jd + fr (dUT1 taken as 0). gstime takes ONE double, so jd + fr is "
                  "rounded to ~4.7e-10 day: gmst_rad agrees with a split-date evaluation (Skyfield "
                  "theta_GMST1982(jd, fr)) only to ~1e-9 rad (~1e-5 m at ISS radius)"),
            simplified_chain=("python-sgp4 AFSPC TEME position -> PEF by r_pef = R3(gmst) r_teme, i.e. "
                              "x' = cos(g) x + sin(g) y, y' = -sin(g) x + cos(g) y, z' = z; no polar motion, no "
                              "nutation, PEF treated as Earth-fixed; site ECEF from WGS-84 geodetic (a = 6378.137 km, "
                              "f = 1/298.257223563); ENU: e = -sinλ dx + cosλ dy, n = -sinφ cosλ dx - sinφ sinλ dy + "
                              "cosφ dz, u = cosφ cosλ dx + cosφ sinλ dy + sinφ dz; el = asin(u/|d|), "
                              "az = atan2(e, n) mod 360"),
            diff_sign="diff = simplified - skyfield; az difference wrapped to [-180, 180)",
        ),
        iss_site_a_access=dict(
            site="A (radar)",
            min_el_deg=min_el,
            n_windows=len(windows_json),
            max_el_deg_over_grid=r(el_deg.max(), 9),
            max_el_tick_over_grid=int(np.argmax(el_deg)),
            windows=windows_json,
        ),
        iss_sunlit_and_sun_el_site_b=sun_json,
        geo_site_b=dict(name=geo_lines[0].strip(), satnum=int(geo_lines[1][2:7]), samples=geo_json),
        iss_sgp4_direct_afspc=dict(
            satnum=iss_a.satnum,
            opsmode=iss_a.operationmode,
            gravity_model="WGS72",
            jdsatepoch=iss_a.jdsatepoch,
            jdsatepochF=iss_a.jdsatepochF,
            gmst_function="sgp4.propagation.gstime (Vallado IAU-82), jd_ut1 = jd_utc",
            samples=sgp4_json,
        ),
        iss_site_a_simplified_chain=dict(
            description="python-sgp4 AFSPC + gstime GMST + WGS-84 site; compared with the Skyfield chain",
            samples=chain_cmp,
            max_abs_diff_at_samples=dict(el_deg=r(max_diff["el_deg"], 10), az_deg=r(max_diff["az_deg"], 10),
                                         range_km=r(max_diff["range_km"], 8)),
            whole_grid_diff=grid_diff,
            windows_from_simplified_chain=simp_windows_json,
        ),
        supplementary_iss_site_a_access_24h=dict(
            description=("NOT part of the original request. The required 6 h grid has no ISS pass above "
                         "0 deg at site A, so this repeats item 1 on the same tick rule extended to 24 h "
                         "(ticks 0..8639, start 2026-05-30T12:00:00Z, 10 s). Skyfield chain, min el 10 deg; "
                         "plus windows from the simplified chain and a whole-grid comparison."),
            site="A (radar)", min_el_deg=min_el, n_ticks=n24,
            n_windows=len(win24), windows=win24,
            windows_from_simplified_chain=simp_win24,
            simplified_minus_skyfield=cmp24,
        ),
        supplementary_iss_site_b_access_6h=dict(
            description=("NOT part of the original request. ISS access at site B (optical) on the required "
                         "6 h grid with min el 10 deg (Skyfield chain), plus simplified-chain windows/comparison."),
            site="B (optical)", min_el_deg=SUPP_SITE_B_MIN_EL_DEG, n_ticks=N_TICKS,
            n_windows=len(winb), windows=winb,
            windows_from_simplified_chain=simp_winb,
            simplified_minus_skyfield=cmpb,
        ),
        diagnostics=dict(
            iss_afspc_vs_improved_max_abs_km=max_i_vs_a_km,
            sgp4_opsmode=opsmode_diag,
            simplified_chain_with_gmst_at_ut1=dict(
                description=("same simplified chain but gstime(jd_utc + dUT1/86400) with Skyfield's builtin dUT1; "
                             "shows the Skyfield-vs-simplified difference is almost entirely dUT1"),
                samples=dut1_cmp,
                max_abs_diff=dict(el_deg=r(max_diff_dut1["el_deg"], 10), az_deg=r(max_diff_dut1["az_deg"], 10),
                                  range_km=r(max_diff_dut1["range_km"], 8)),
            ),
        ),
    )

    path = os.path.join(HERE, "access_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
