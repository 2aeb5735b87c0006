"""Office Open XML: ``opc.py`` reads the package lazily, ``ooxml.py`` holds what Word and
PowerPoint share, ``docx.py`` and ``pptx.py`` read them.
"""
