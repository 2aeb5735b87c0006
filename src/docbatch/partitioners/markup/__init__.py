"""Text and markup formats: plain text, HTML and XML, Markdown, reStructuredText, Org, EPUB,
RTF, and element JSON read back.
"""
