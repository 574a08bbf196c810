"""Reads a CCSDS TDM or OEM (KVN or XML) with an independent PyPI reader and prints its content as
JSON, for tests/e2e/exports.rs to compare with the event log.

    python read_ndm.py ccsds-ndm FILE      # PyPI ccsds-ndm (xsdata models; venv target/test-tools/py)
    python read_ndm.py ccsds-ndm-py FILE   # PyPI ccsds-ndm-py (Rust core; venv target/test-tools/py-ndm)

Output: {"type": "tdm"|"oem", "creation_date", "segments": [...]} where a TDM segment is
{"participant_1", "participant_2", "path", "angle_type", "range_units", "observations": [[epoch,
keyword, value], ...]} and an OEM segment is {"object_name", "object_id", "ref_frame",
"center_name", "time_system", "states": [[epoch, x, y, z, vx, vy, vz], ...]}.
"""

import json
import sys


def text(v):
    """Enum or plain value as its text."""
    if v is None:
        return None
    return getattr(v, "value", v) if not isinstance(v, (str, int, float)) else v


def num(v):
    """A float from a plain number or an xsdata value type."""
    return float(getattr(v, "value", v))


def tdm_segment(md, obs):
    """A TDM segment's metadata of interest and its observations."""
    return {
        "participant_1": md.participant_1,
        "participant_2": md.participant_2,
        "path": md.path,
        "angle_type": text(md.angle_type),
        "range_units": text(md.range_units),
        "time_system": text(md.time_system),
        "observations": obs,
    }


def oem_segment(md, states):
    """An OEM segment's metadata of interest and its states."""
    return {
        "object_name": md.object_name,
        "object_id": md.object_id,
        "ref_frame": text(md.ref_frame),
        "center_name": text(md.center_name),
        "time_system": text(md.time_system),
        "states": states,
    }


def read_ccsds_ndm(path):
    from ccsds_ndm.ndm_io import NdmIo

    m = NdmIo().from_path(path)
    kind = type(m).__name__.lower()
    out = {"type": kind, "creation_date": str(m.header.creation_date), "segments": []}
    for s in m.body.segment:
        md = s.metadata
        if kind == "tdm":
            obs = []
            for o in s.data.observation:
                for key in ("range", "angle_1", "angle_2"):
                    v = getattr(o, key)
                    if v is not None:
                        obs.append([str(o.epoch), key.upper(), num(v)])
            out["segments"].append(tdm_segment(md, obs))
        else:
            states = [
                [str(v.epoch)] + [num(getattr(v, k)) for k in ("x", "y", "z", "x_dot", "y_dot", "z_dot")]
                for v in s.data.state_vector
            ]
            out["segments"].append(oem_segment(md, states))
    return out


def read_ccsds_ndm_py(path):
    import ccsds_ndm

    m = ccsds_ndm.from_file(path)
    kind = type(m).__name__.lower()
    problems = m.validate()
    if problems:
        raise SystemExit(f"ccsds-ndm-py: {path} does not validate: {problems}")
    out = {"type": kind, "creation_date": str(m.header.creation_date), "segments": []}
    for s in m.segments:
        md = s.metadata
        if kind == "tdm":
            obs = [[str(o.epoch), o.keyword, float(o.value)] for o in s.data.observations]
            out["segments"].append(tdm_segment(md, obs))
        else:
            states = [
                [str(e)] + [float(x) for x in row]
                for e, row in zip(s.data.state_vector_epochs, s.data.state_vector_numpy)
            ]
            out["segments"].append(oem_segment(md, states))
    return out


def main():
    reader, path = sys.argv[1], sys.argv[2]
    if reader == "ccsds-ndm":
        out = read_ccsds_ndm(path)
    elif reader == "ccsds-ndm-py":
        out = read_ccsds_ndm_py(path)
    else:
        raise SystemExit(f"unknown reader {reader}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
