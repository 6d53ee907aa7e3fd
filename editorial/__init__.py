"""Editorial workflow: drafting, previewing, hand-offs, reports and approval sheets."""
