"""Validates a CZML document with the PyPI czml3 models (which reject unknown properties and wrong
types) and prints what it holds as JSON, for tests/e2e/exports.rs.

    python read_czml.py FILE

Output: {"packets", "clock": {...}, "kinds": {kind: count}, "satellites": {catnr: {"availability",
"epoch", "frame", "samples": [[t, x, y, z], ...]}}, "sensors": {id: {"nation", "cartographic"}},
"detections": [{"sensor", "object", "nation", "availability", "references"}], "nations": {id: colour}}
"""

import json
import sys

from czml3 import Document, Packet


def main():
    with open(sys.argv[1]) as f:
        raw = json.load(f)
    packets = [Packet.model_validate(p) for p in raw]
    Document(packets=packets)  # the document as a whole (first packet "document", unique ids)
    if raw[0]["id"] != "document":
        raise SystemExit("the first packet is not the document packet")
    ids = [p["id"] for p in raw]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate packet ids")
    out = {
        "packets": len(raw),
        "clock": raw[0]["clock"],
        "kinds": {},
        "satellites": {},
        "sensors": {},
        "detections": [],
        "nations": {},
    }
    for p in raw[1:]:
        props = p.get("properties", {})
        kind = props["kind"]
        out["kinds"][kind] = out["kinds"].get(kind, 0) + 1
        if kind == "satellite":
            c = p["position"]["cartesian"]
            out["satellites"][str(props["catalog_number"])] = {
                "availability": p["availability"],
                "epoch": p["position"]["epoch"],
                "frame": p["position"]["referenceFrame"],
                "samples": [c[i : i + 4] for i in range(0, len(c), 4)],
            }
        elif kind == "sensor":
            out["sensors"][p["id"].split("/", 1)[1]] = {
                "nation": props["nation"],
                "cartographic": p["position"]["cartographicDegrees"],
            }
        elif kind == "detection":
            out["detections"].append(
                {
                    "sensor": props["sensor"],
                    "object": props["object"],
                    "nation": props["nation"],
                    "availability": p["availability"],
                    "references": p["polyline"]["positions"]["references"],
                }
            )
        elif kind == "nation":
            out["nations"][props["nation"]] = props["colour"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
