"""Binary Office formats (.doc, .ppt, .xls) through LibreOffice: ``legacy.py`` converts,
``uno_bridge.py`` runs inside LibreOffice's own Python.
"""
