"""Reads a CCSDS TDM, OEM or OMM (KVN or XML) with an independent PyPI reader and prints its content
as JSON, for tests/e2e/exports.rs to compare with the event log or the engine.

    python read_ndm.py ccsds-ndm FILE      # PyPI ccsds-ndm (xsdata models; venv target/test-tools/py)
    python read_ndm.py ccsds-ndm-py FILE   # PyPI ccsds-ndm-py (Rust core; venv target/test-tools/py-ndm)

FILE may be a directory: every `*.omm` (or `*.cdm`, `*.cdm.xml`) in it, in name order, each one KVN OMM (as `sentinel export
--format omm` writes them). An XML NDM combined instantiation (`<ndm>`) of OMMs is read as its list.

Output: {"type": "tdm"|"oem", "creation_date", "segments": [...]} where a TDM segment is
{"participant_1", "participant_2", "path", "angle_type", "range_units", "observations": [[epoch,
keyword, value], ...]} and an OEM segment is {"object_name", "object_id", "ref_frame",
"center_name", "time_system", "states": [[epoch, x, y, z, vx, vy, vz], ...]}.

CDM output (a directory of CDMs, as `sentinel export --format cdm` writes them): {"type": "cdm",
"messages": [{"message_id", "originator", "creation_date", "tca", "miss_distance",
"relative_speed", "collision_probability", "collision_probability_method", "objects": [{"object",
"object_designator", "ref_frame", "state": [x, y, z, x_dot, y_dot, z_dot], "covariance": [the 21
RTN terms CR_R, CT_R, ... CNDOT_NDOT in that order]}]}]}, in file name order.

OMM output: {"type": "omm", "messages": [...]} with per message the header (creation_date,
originator, version), metadata (object_name, object_id, center_name, ref_frame, time_system,
mean_element_theory), mean elements (epoch, mean_motion, eccentricity, inclination, ra_of_asc_node,
arg_of_pericenter, mean_anomaly), TLE parameters (ephemeris_type, classification_type, norad_cat_id,
element_set_no, rev_at_epoch, bstar, mean_motion_dot, mean_motion_ddot), cov_ref_frame, covariance
(the 21 lower-triangle terms CX_X, CY_X, CY_Y, ... CZ_DOT_Z_DOT in that order) and user_defined
({parameter: text}).
"""

import json
import os
import sys

AXES = ["x", "y", "z", "x_dot", "y_dot", "z_dot"]
COV_KEYS = [f"c{AXES[i]}_{AXES[j]}" for i in range(6) for j in range(i + 1)]
MEAN_KEYS = ["mean_motion", "eccentricity", "inclination", "ra_of_asc_node", "arg_of_pericenter", "mean_anomaly"]
TLE_KEYS = ["ephemeris_type", "classification_type", "norad_cat_id", "element_set_no", "rev_at_epoch"]
TLE_NUM_KEYS = ["bstar", "mean_motion_dot", "mean_motion_ddot"]


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


def omm_message(header, version, md, d, user_defined):
    """One OMM as plain values; `d` is the data section, `user_defined` a {parameter: text} dict."""
    me, tle, cov = d.mean_elements, d.tle_parameters, d.covariance_matrix
    out = {
        "creation_date": str(header.creation_date),
        "originator": header.originator,
        "version": version,
        "object_name": md.object_name,
        "object_id": md.object_id,
        "center_name": text(md.center_name),
        "ref_frame": text(md.ref_frame),
        "time_system": text(md.time_system),
        "mean_element_theory": md.mean_element_theory,
        "epoch": str(me.epoch),
    }
    for k in MEAN_KEYS:
        out[k] = num(getattr(me, k))
    for k in TLE_KEYS:
        out[k] = text(getattr(tle, k))
    for k in TLE_NUM_KEYS:
        out[k] = num(getattr(tle, k))
    out["cov_ref_frame"] = text(cov.cov_ref_frame)
    out["covariance"] = [num(getattr(cov, k)) for k in COV_KEYS]
    out["user_defined"] = user_defined
    return out


def omm_files(path):
    """The KVN OMM files of a directory export, or the file itself."""
    if os.path.isdir(path):
        return [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".omm")]
    return [path]


def read_ccsds_ndm_omm(m):
    b = m.body.segment
    ud = {}
    if b.data.user_defined_parameters is not None:
        ud = {u.parameter: u.value for u in b.data.user_defined_parameters.user_defined}
    return omm_message(m.header, m.version, b.metadata, b.data, ud)


def read_ccsds_ndm(path):
    from ccsds_ndm.ndm_io import NdmIo

    if os.path.isdir(path) or path.endswith(".omm") or path.endswith(".omm.xml"):
        messages = []
        for f in omm_files(path):
            m = NdmIo().from_path(f)
            kind = type(m).__name__.lower()
            if kind == "ndm":
                messages.extend(read_ccsds_ndm_omm(o) for o in m.omm)
                if any(getattr(m, k) for k in ("oem", "opm", "tdm", "apm", "aem", "cdm")):
                    raise SystemExit(f"ccsds-ndm: {f} holds other messages than OMMs")
            elif kind == "omm":
                messages.append(read_ccsds_ndm_omm(m))
            else:
                raise SystemExit(f"ccsds-ndm: {f} is a {kind}, not an OMM")
        return {"type": "omm", "messages": messages}
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


def read_ccsds_ndm_py_omm(m):
    s = m.segment
    ud = {}
    if s.data.user_defined_parameters is not None:
        ud = dict(s.data.user_defined_parameters.user_defined)
    return omm_message(m.header, m.version, s.metadata, s.data, ud)


def read_ccsds_ndm_py(path):
    import ccsds_ndm

    if os.path.isdir(path) or path.endswith(".omm") or path.endswith(".omm.xml"):
        messages = []
        for f in omm_files(path):
            m = ccsds_ndm.from_file(f)
            problems = m.validate(strict=False)
            if problems:
                raise SystemExit(f"ccsds-ndm-py: {f} does not validate: {problems}")
            kind = type(m).__name__.lower()
            inner = m.messages if kind == "ndm" else [m]
            for o in inner:
                if type(o).__name__ != "Omm":
                    raise SystemExit(f"ccsds-ndm-py: {f} holds a {type(o).__name__}, not an OMM")
                messages.append(read_ccsds_ndm_py_omm(o))
        return {"type": "omm", "messages": messages}
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


CDM_COV = ["cr_r", "ct_r", "ct_t", "cn_r", "cn_t", "cn_n", "crdot_r", "crdot_t", "crdot_n", "crdot_rdot",
           "ctdot_r", "ctdot_t", "ctdot_n", "ctdot_rdot", "ctdot_tdot", "cndot_r", "cndot_t", "cndot_n",
           "cndot_rdot", "cndot_tdot", "cndot_ndot"]


def cdm_files(path):
    """The CDM files of a directory export, in name order."""
    return [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".cdm") or f.endswith(".cdm.xml")]


def cdm_message(header, rel, segments):
    """One CDM's content of interest (readers differ only in how they reach it)."""
    return {
        "message_id": header.message_id,
        "originator": header.originator,
        "creation_date": str(header.creation_date),
        "tca": str(rel.tca),
        "miss_distance": num(rel.miss_distance),
        "relative_speed": num(rel.relative_speed),
        "collision_probability": num(rel.collision_probability),
        "collision_probability_method": text(rel.collision_probability_method),
        "objects": [
            {
                # `object_value` (ccsds-ndm) or `object` (ccsds-ndm-py, an enum printing its name).
                "object": str(text(getattr(s.metadata, "object_value", None) or s.metadata.object)).split(".")[-1],
                "object_designator": s.metadata.object_designator,
                "ref_frame": str(text(s.metadata.ref_frame)).split(".")[-1],
                "state": [num(getattr(s.data.state_vector, k)) for k in AXES],
                "covariance": [num(getattr(s.data.covariance_matrix, k)) for k in CDM_COV],
            }
            for s in segments
        ],
    }


def read_cdms(reader, path):
    messages = []
    for f in cdm_files(path):
        if reader == "ccsds-ndm":
            from ccsds_ndm.ndm_io import NdmIo

            m = NdmIo().from_path(f)
            messages.append(cdm_message(m.header, m.body.relative_metadata_data, m.body.segment))
        else:
            import ccsds_ndm

            m = ccsds_ndm.from_file(f)
            problems = m.validate()
            if problems:
                raise SystemExit(f"ccsds-ndm-py: {f} does not validate: {problems}")
            messages.append(cdm_message(m.header, m.body.relative_metadata_data, m.body.segments))
    return {"type": "cdm", "messages": messages}


def main():
    reader, path = sys.argv[1], sys.argv[2]
    if os.path.isdir(path) and cdm_files(path):
        out = read_cdms(reader, path)
    elif reader == "ccsds-ndm":
        out = read_ccsds_ndm(path)
    elif reader == "ccsds-ndm-py":
        out = read_ccsds_ndm_py(path)
    else:
        raise SystemExit(f"unknown reader {reader}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
