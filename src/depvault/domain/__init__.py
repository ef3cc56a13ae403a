"""Pure domain rules: no database, no HTTP."""
