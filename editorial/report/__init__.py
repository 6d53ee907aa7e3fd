"""``invoke report``: how long each SOP step took, against the SOP's time standards.

``inputs`` gathers from the ledger, git (``version_times``) and the publication archive
over a ``period``; ``compute`` is the pure computation; ``render`` makes the table, the
CSV and the HTML page.
"""
