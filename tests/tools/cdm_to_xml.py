"""Rewrites CCSDS CDMs from KVN to XML with an independent reader/writer (PyPI ccsds-ndm), for
tests/e2e/pc.rs to check that `sentinel pc` reads CDM XML as another tool writes it.

    python cdm_to_xml.py OUT_DIR FILE.cdm...    # writes OUT_DIR/<name>.xml for each
"""

import sys
from pathlib import Path

from ccsds_ndm.ndm_io import NDMFileFormats, NdmIo


def main():
    out = Path(sys.argv[1])
    for f in sys.argv[2:]:
        p = Path(f)
        NdmIo().to_file(NdmIo().from_path(p), NDMFileFormats.XML, out / (p.stem + ".xml"))


if __name__ == "__main__":
    main()
