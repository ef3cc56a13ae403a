"""Pure domain rules and values: no database, no HTTP, no files.

Versions and OSV ranges, licenses and their profiles, policy matching, alert rules,
access rules, library identity, and the normalized inventory every channel produces.
Imports nothing of depvault but itself (an import-linter contract checks it), so every
rule can be tested without a database.
"""
