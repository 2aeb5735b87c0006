"""Text from pixels: ``ocr.py`` drives Tesseract, ``page.py`` lays out one page's words, ``image.py``
reads image files.
"""
