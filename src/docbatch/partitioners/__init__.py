"""Turn one local file into elements: one folder per format family, and what they share.

``formats.py`` declares every format once; ``filetype.py`` recognises a file by its content;
``registry.py`` imports a family's reader only when a file of its type is first seen;
``auto.py`` (:func:`~docbatch.partitioners.auto.partition_file`) ties them together. ``kit/``
holds what every family uses (options, error boundary, lost-part notes, decoding, zip checks);
``layout/`` is the page layout the PDF and OCR readers share.
"""
