"""``invoke watch``: the live preview server, its file watcher and its build worker.

``watcher`` runs in the command's process (server, observer, ``plan`` of each batch of
changes); ``worker`` is the child process that keeps a warm Pelican; ``server`` serves
the preview folder with self-reloading pages.
"""
