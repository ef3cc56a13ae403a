"""The console's pages, one module per subject; each view is thin: open the scope
(``console.access``), read a page of rows (``store.portfolio``), render."""
