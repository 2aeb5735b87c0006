"""The run: list, skip, hand documents to workers, collect results, keep the record.

``pipeline.py`` wires a source, the executor and a destination and owns skip/resume;
``dispatch.py`` hands documents out (small ones batched); ``executors.py`` runs them (a pebble
process pool or Ray); ``worker.py`` does one document (fetch, partition, chunk, write);
``memory.py`` caps each worker's memory; ``record.py`` keeps the run record and the output-dir
lock; ``report.py`` shows progress and the summary.
"""
