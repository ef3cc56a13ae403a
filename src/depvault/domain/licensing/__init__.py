"""Licenses as pure rules: SPDX normalisation of what documents state (``licenses``),
each license's risk profile (``profiles``), license texts (``texts``), the license that
governs a library (``effective``) and known incompatibilities (``compatibility``)."""
