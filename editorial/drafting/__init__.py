"""Drafting (``invoke new``): the SOP's kinds with their drafts, and new items from them."""
