"""OSV knowledge as pure rules: package names per ecosystem (``packages``), the affected
ranges walk (``ranges``, spec/osv-matching.md) and what a record means (``records``:
severity bands, CVSS, aliases)."""
