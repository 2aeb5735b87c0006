"""What every partitioner family uses: :class:`~docbatch.partitioners.kit.base.PartitionOptions`,
the error boundary (``boundary.py``), lost-part notes (``notes.py``), text decoding
(``encoding.py``) and zip checks (``archive.py``).
"""
