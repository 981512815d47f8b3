"""An emoji in a bill-to name prints as the emoji, drawn by a real font, not as an empty box."""

import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from billing.pdf import invoice_pdf_render
from tests.conftest import require_service
from tests.factories import InvoiceFactory

ROOT = Path(__file__).resolve().parents[2]
EMOJI_FONT = "Noto Color Emoji"


def _font_installed(family: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True,
                            text=True, check=False).stdout
    return family.lower() in listed.lower()


def _fonts_and_text(pdf: bytes) -> tuple[set[str], str]:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont", "")))
    return fonts, "\n".join(page.extract_text() for page in reader.pages)


def test_every_pdf_stylesheet_falls_back_to_an_emoji_font():
    stack = (ROOT / "templates/partials/pdf_font_stack.txt").read_text()
    assert f'"{EMOJI_FONT}"' in stack and stack.rstrip().endswith("sans-serif")
    for template in ("billing/invoice_pdf.html", "collaboratives/changepackage_pdf.html"):
        css = (ROOT / "templates" / template).read_text()
        fonts = re.findall(r"font(?:-family)?:[^;]*", css)
        assert fonts, template
        assert all('{% include "partials/pdf_font_stack.txt" %}' in f for f in fonts), (
            template, fonts)


def test_ci_and_the_image_install_the_emoji_font():
    assert "fonts-noto-color-emoji" in (ROOT / ".ci/run").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    apt_line = dockerfile[dockerfile.index("apt-get install"):dockerfile.index("rm -rf")]
    assert "fonts-noto-color-emoji" in apt_line


@pytest.mark.django_db
def test_an_emoji_in_the_bill_to_name_is_drawn_by_the_emoji_font(fees):
    require_service(_font_installed(EMOJI_FONT),
                    f"the {EMOJI_FONT} font is not installed (apt-get install "
                    "fonts-noto-color-emoji)")
    invoice = InvoiceFactory(total=Decimal("2500.00"), bill_to_name="Zoë Bright 🍎 Academy")
    fonts, text = _fonts_and_text(invoice_pdf_render(invoice=invoice))
    # The glyph is in the text layer (not a .notdef box), drawn by the emoji font.
    assert "Zoë Bright 🍎 Academy" in " ".join(text.split())
    assert any("Noto-Color-Emoji" in font for font in fonts), fonts
