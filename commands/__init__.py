"""The invoke tasks, by who uses them; ``tasks.py`` at the top is the collection.

``cli`` holds what every task shares (the one place a ``KpuError`` becomes an exit);
``site`` (build, serve, publish, rollback), ``approvals`` (status, approve, reject,
keygen, allowed-signers, sign-roster), ``editorial`` (new, report, sheet) and
``preview`` (preview, watch) hold the tasks. Nothing here decides anything: each task
calls the gate, publishing or the editorial tools and renders what they return.
"""
