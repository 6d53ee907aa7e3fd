"""Building and (later) deploying the gated site; the library behind ``tasks.py``."""
