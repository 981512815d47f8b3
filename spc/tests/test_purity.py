"""The SPC package stands alone: importing it loads no Django and nothing of the portal."""

import subprocess
import sys
from pathlib import Path

import spc

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"ncsup", "core", "members", "billing", "collaboratives", "devdata", "bench"}


def test_importing_spc_loads_no_django_and_no_portal_module():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import spc, spc.runchart, spc.svg;"
        "print(' '.join(sorted(m for m in sys.modules"
        " if m.split('.')[0] in set(sys.argv[2].split()) | {'django'})))"
    )
    found = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
        [sys.executable, "-I", "-c", code, str(ROOT), " ".join(PROJECT)],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert found == []


def test_the_public_api_is_importable_from_the_package():
    svg = spc.render_svg(title="Visits <&>", points=[])
    assert "Visits &lt;&amp;&gt;" in svg
    assert spc.format_value(18.5, "%") == "18.5%"
    assert spc.analyse([1, 2, 3]).signals == ()
