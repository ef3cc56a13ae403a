"""Licenses and Library requests (catalog §6.5-6.6): JSON answers (``json_answers``),
file answers such as license zips (``files``), and what an organization says about
libraries (``marks``: in-house marks, notices)."""
