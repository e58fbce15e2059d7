"""The text-only PDF writer (domain/text_pdf.py): wrapping, pages, escaping, Latin-1, readable by pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader

from chalicelib.domain.text_pdf import PAGE_W, TextPdf, text_width, wrap


def test_lines_are_wrapped_to_the_width_and_long_words_are_cut():
    text = "Perlindungan pekerja rentan Kabupaten Muara Enim " * 8 + "x" * 200
    lines = wrap(text, 80, 10)
    assert len(lines) > 5 and all(text_width(line, 10) <= 80 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_long_report_flows_onto_pages_and_every_line_reads_back():
    pdf = TextPdf("Laporan (uji) \\ satu")
    pdf.font("B", 15)
    pdf.text("Laporan Data Pribadi yang Disimpan", 7)
    pdf.font("", 10)
    pdf.row("Nama", "Siti Aminah (Ibu) \\ Désa Tanjung Agung")
    for i in range(120):
        pdf.text(f"- baris riwayat nomor {i}")
    body = pdf.output()
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 3 and float(reader.pages[0].mediabox.width) == round(PAGE_W * 72 / 25.4, 2)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Siti Aminah (Ibu) \\ Désa Tanjung Agung" in text and "baris riwayat nomor 119" in text
    assert reader.metadata.title == "Laporan (uji) \\ satu"
