"""WeasyPrint's repeated warnings are said once (a demo seed renders hundreds of PDFs)."""

import logging
import uuid


def test_a_weasyprint_warning_repeated_for_every_font_is_logged_once(caplog):
    template = f"Using fontTools instead of HarfBuzz-Subset for font %s ({uuid.uuid4()})"
    logger = logging.getLogger("weasyprint")
    with caplog.at_level(logging.WARNING):
        for font in ("Marianne", "Spectral", "Marianne-Bold"):
            logger.warning(template, font)
        logging.getLogger("insertion").warning(template, "other loggers are left alone")
        logging.getLogger("insertion").warning(template, "other loggers are left alone")
    seen = [record for record in caplog.records if record.msg == template]
    assert [record.name for record in seen] == ["weasyprint", "insertion", "insertion"]
