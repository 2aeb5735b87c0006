"""PDF through pdfium: ``pdf.py`` reads each page's lines (``text.py``), tables (``tables.py``,
with ``grid.py`` for ruled ones), links (``links.py``); ``ffi.py`` is the thin pdfium layer.
"""
