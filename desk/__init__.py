"""Meja Persetujuan: the SOP on a phone (``invoke meja``).

A small web application the web admin runs on the office server. Every result is the
same plain files the command line makes (Markdown under ``content/``, signed sign-offs
under ``approvals/``), committed with the person's name; the desk keeps only sessions,
invitations and push subscriptions of its own (``store.py``). It is not trusted for
integrity: a sign-off is signed on the official's phone by a passkey whose signature is
an OpenSSH SSHSIG (the gate verifies it like any other), so the desk can relay
decisions but cannot make one.

Layers: ``commands`` -> ``desk`` -> ``editorial`` -> ``publishing`` -> the gate's api.
"""
