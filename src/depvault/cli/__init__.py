"""The `depvault` command."""
