"""``invoke sheet``: the printable approval sheet of one item, as HTML for A4 and PDF."""
