"""The vulnerability knowledge base: its advisories, sources and locks."""
