"""The simple reference for `sentinel screen`: what an analyst would write with numpy, python-sgp4
(SatrecArray) and scipy's cKDTree. Propagates a subset of the catalog every STEP s over 24 h and
lists, at each step, the pairs closer than the threshold plus half a step at 15 km/s (the pairs
that may pass within the threshold before the next step). It stops there: no refinement, so its
time is a lower bound for a full screening. Prints one JSON line: objects, steps, seconds, pairs
and the time scaled to the whole catalog (linearly in objects, as the tree's cost grows).

    python screen_numpy.py CATALOG.3le N_OBJECTS
"""

import json
import sys
import time

import numpy as np
from scipy.spatial import cKDTree
from sgp4.api import SatrecArray, Satrec, jday

STEP = 10.0
HOURS = 24
THRESHOLD_KM = 5.0


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    lines = [l.rstrip("\n") for l in open(path) if l.strip()]
    sats = []
    i = 0
    while i + 1 < len(lines):
        if lines[i].startswith("1 ") and lines[i + 1].startswith("2 "):
            sats.append(Satrec.twoline2rv(lines[i], lines[i + 1]))
            i += 2
        else:
            i += 1
    total = len(sats)
    sats = sats[:: max(1, total // n)][:n]
    epoch = max(s.jdsatepoch + s.jdsatepochF for s in sats)
    t0 = time.perf_counter()
    arr = SatrecArray(sats)
    steps = int(HOURS * 3600 / STEP)
    radius = THRESHOLD_KM + 15.0 * STEP / 2
    pairs = 0
    for k in range(0, steps, 360):
        m = min(360, steps - k)
        jd = np.full(m, np.floor(epoch))
        fr = (epoch - np.floor(epoch)) + (k + np.arange(m)) * STEP / 86400.0
        err, r, _ = arr.sgp4(jd, fr)
        for j in range(m):
            ok = err[:, j] == 0
            pos = r[ok, j, :]
            pairs += len(cKDTree(pos).query_pairs(radius))
    secs = time.perf_counter() - t0
    print(json.dumps({"mode": "numpy-kdtree-screen", "objects": len(sats), "catalog_objects": total,
                      "steps": steps, "seconds": secs, "candidate_pairs": pairs,
                      "scaled_seconds": secs * total / len(sats)}))


if __name__ == "__main__":
    main()
