"""Exports built from the records: chronology, intelligence, missing-person pack (no Qt).

The data and the CSV and JSON files are made here; the PDF pages are drawn by the app
with Qt's own PDF writer (``ui/export_pdf.py``).
"""
