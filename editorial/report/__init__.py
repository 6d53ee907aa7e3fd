"""``invoke report``: how long each SOP step took, against the SOP's time standards.

``inputs`` gathers from the ledger, git (``version_times``), recorded submissions
(``submissions``) and the publication archive over a ``period``; ``rounds`` (one item)
and ``compute`` (the period's totals) are the pure computation; ``render`` makes the
table, the CSV and the HTML page.
"""
