"""The editorial tools around the gate: drafting, the preview, the live server, records.

By feature: ``drafting`` (``invoke new``), ``preview`` (the Pelican plugin of
``invoke preview``), ``watch`` (the live server of ``invoke watch``), ``report``
(``invoke report``) and ``sheet`` (``invoke sheet``); shared by them: ``errors``,
``handoff`` (the SOP's hand-off messages), ``meta`` (an item's metadata without
Pelican) and ``published`` (the publication archive). The gate is used through
``approval_gate.api`` only; the tasks themselves live in ``commands``.
"""
