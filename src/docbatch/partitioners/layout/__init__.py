"""Page layout shared by the PDF and OCR readers: positioned lines into blocks in reading order
(``blocks.py``), placed blocks into elements with headings and running heads (``page.py``).
"""
