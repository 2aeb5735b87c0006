"""OpenDocument: ``odt.py`` reads text documents, ``odf.py`` spreadsheets and presentations."""
