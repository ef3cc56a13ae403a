"""The knowledge base: advisories, their groups, and what other sources add."""
