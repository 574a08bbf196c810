#!/usr/bin/env python3
"""Cross-checks Sentinel's visibility against the numpy brute force of the peers (bench_py.py
B-numpy, same code path) on the peers' workload, leaving out the objects Sentinel declared lost
(numpy keeps their meaningless post-decay states, which flicker in and out of view).

  crosscheck_numpy.py PEERS_DIR SENTINEL_RUN_DIR

Run with the peers' venv python. Prints numpy's visible object-site-steps and passes, and the
same figures from Sentinel (in-view pairs from the summary are not stored; passes are
`access_start` events; visible steps are the sum of pass lengths from `access_end`).
"""
import json
import math
import os
import sys

import numpy as np

peers, run = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
sys.path.insert(0, peers)
os.chdir(peers)
import common as C  # noqa: E402
from sgp4.api import Satrec, SatrecArray  # noqa: E402

lost, passes_s, steps_s = set(), 0, 0
with open(os.path.join(run, "events.jsonl")) as f:
    for line in f:
        if '"object_lost"' in line:
            lost.add(json.loads(line)["object"])
        elif '"access_start"' in line:
            passes_s += 1
        elif '"access_end"' in line:
            e = json.loads(line)
            steps_s += e["last_tick"] - e["first_tick"] + 1

tles = C.load_tles()
start, step, steps = C.load_grid()
jd, fr = C.grid_jd_fr(start, step, steps)
sites = [C.site_ecef_up(s[1], s[2], s[3]) for s in C.load_sites()]
g = C.gmst(jd + fr)
cg, sg = np.cos(g), np.sin(g)
s2 = math.sin(math.radians(C.MIN_EL_DEG)) ** 2
sats = [Satrec.twoline2rv(l1, l2) for _, l1, l2 in tles]
ids = [Satrec.twoline2rv(l1, l2).satnum for _, l1, l2 in tles]
vis_n, passes_n = 0, 0
for i in range(0, len(sats), 1000):
    _, r, _ = SatrecArray(sats[i:i + 1000]).sgp4(jd, fr)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    xe, ye = cg * x + sg * y, cg * y - sg * x
    keep = np.array([ids[i + k] not in lost for k in range(r.shape[0])])
    for (px, py, pz), (ux, uy, uz) in sites:
        dx, dy, dz = xe - px, ye - py, z - pz
        dn = dx * ux + dy * uy + dz * uz
        vis = ((dn > 0) & (dn * dn >= s2 * (dx * dx + dy * dy + dz * dz)))[keep]
        vis_n += int(vis.sum())
        passes_n += int(vis[:, 0].sum()) + int((vis[:, 1:] & ~vis[:, :-1]).sum())
same = vis_n == steps_s and passes_n == passes_s
print(f"cross-check without the {len(lost)} objects Sentinel lost: numpy {vis_n} visible steps, {passes_n} passes; "
      f"sentinel {steps_s} visible steps, {passes_s} passes: {'IDENTICAL' if same else 'DIFFERENT'}")
sys.exit(0 if same else 1)
