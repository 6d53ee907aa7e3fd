"""The preview: every item built, unapproved ones marked, never publishable.

``plugin`` is the Pelican plugin that takes the gate's place in the preview settings
(``settings``); ``state``, ``provider``, ``panel``, ``inject`` and ``history`` are what
it needs; ``build`` runs a warm Pelican for ``invoke preview`` and the watch worker.
"""
