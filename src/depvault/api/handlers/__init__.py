"""Request handlers, one module per category of the API overview."""
