#!/usr/bin/env python3
"""An independent DIS receiver for the end-to-end tests: binds a UDP socket on 127.0.0.1, receives
datagrams until --count arrived or --timeout seconds passed without one, then decodes each with the
PyPI `opendis` package (PduFactory.createPdu) and writes one JSON line of decoded fields per PDU.

    python dis_listen.py --port 0 --count 100 --timeout 20 --out pdus.jsonl

The first line on stdout is `PORT <n>` (the bound port, useful with --port 0), flushed before any
datagram is received; the last is `DONE <datagrams>`. Datagrams are only stored while receiving and
decoded afterwards, so the loop keeps up with a sender that does not pace itself.
"""

import argparse
import json
import socket
import sys

from opendis.PduFactory import createPdu


def marking_text(marking):
    """The 11 marking characters as text, without NUL padding (and blanks some senders pad with)."""
    raw = bytes(c & 0xFF for c in marking.characters)
    return raw.split(b"\0", 1)[0].decode("ascii", errors="replace").rstrip(" ")


def decode(data):
    pdu = createPdu(data)
    if pdu is None:
        return {"error": "opendis could not decode", "pdu_type": data[2] if len(data) > 2 else None, "bytes": len(data)}
    out = {
        "bytes": len(data),
        "pdu_type": pdu.pduType,
        "protocol_version": pdu.protocolVersion,
        "exercise_id": pdu.exerciseID,
        "protocol_family": pdu.protocolFamily,
        "timestamp": pdu.timestamp,
        "length": pdu.length,
    }
    if pdu.pduType == 1:
        eid, et = pdu.entityID, pdu.entityType
        loc, vel = pdu.entityLocation, pdu.entityLinearVelocity
        dr = pdu.deadReckoningParameters
        acc = dr.entityLinearAcceleration
        out.update(
            {
                "site": eid.siteID,
                "application": eid.applicationID,
                "entity": eid.entityID,
                "force_id": pdu.forceId,
                "kind": et.entityKind,
                "domain": et.domain,
                "country": et.country,
                "category": et.category,
                "marking_charset": pdu.marking.characterSet,
                "marking": marking_text(pdu.marking),
                "location": [loc.x, loc.y, loc.z],
                "velocity": [vel.x, vel.y, vel.z],
                "orientation": [pdu.entityOrientation.psi, pdu.entityOrientation.theta, pdu.entityOrientation.phi],
                "dr_algorithm": dr.deadReckoningAlgorithm,
                "acceleration": [acc.x, acc.y, acc.z],
            }
        )
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="UDP port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--count", type=int, default=0, help="stop after this many datagrams (0: until the timeout)")
    ap.add_argument("--timeout", type=float, default=10.0, help="stop after this many seconds without a datagram")
    ap.add_argument("--out", required=True, help="JSON lines file to write")
    a = ap.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A large receive buffer: the sender may burst a whole sample (one PDU per object) at once.
    for opt in [getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF]:
        if opt is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 16 << 20)
            break
        except OSError:
            pass
    sock.bind(("127.0.0.1", a.port))
    print(f"PORT {sock.getsockname()[1]}", flush=True)

    sock.settimeout(a.timeout)
    datagrams = []
    while a.count == 0 or len(datagrams) < a.count:
        try:
            data, _ = sock.recvfrom(65536)
        except socket.timeout:
            break
        datagrams.append(data)
    sock.close()

    with open(a.out, "w") as f:
        for data in datagrams:
            f.write(json.dumps(decode(data)) + "\n")
    print(f"DONE {len(datagrams)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
