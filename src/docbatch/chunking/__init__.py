"""Chunks for retrieval: ``strategies.py`` (basic, by_title, by_page: unstructured's semantics),
``tables.py`` (a table as one Table or TableChunks cut on rows), both on ``base.py`` (the options,
the text splitter, ``orig_elements``).
"""
