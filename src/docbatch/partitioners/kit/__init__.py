"""What every partitioner family uses: :class:`~docbatch.partitioners.kit.base.PartitionOptions`,
the error boundary (``boundary.py``), lost-part notes (``notes.py``), text decoding
(``encoding.py``), the zip-bomb guard (``archive.py``) and zip member reads (``members.py``), the
one table renderer (``tables.py``), a paragraph's type by its shape (``paragraphs.py``) and list
markers (``bullets.py``).
"""
