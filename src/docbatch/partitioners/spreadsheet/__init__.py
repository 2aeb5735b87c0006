"""Spreadsheets: .xlsx, .xlsb, .xls, .csv and .tsv."""
