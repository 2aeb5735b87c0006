"""One connection per store, shared by the source and the destination of that store (as
unstructured-ingest's ``connectors/fsspec/s3.py`` holds one connection config for both
directions): client construction, retries, error translation and URL redaction exist once.
"""
