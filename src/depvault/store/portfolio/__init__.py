"""Reads for the web console's pages: each one page of rows, filtered, sorted and cut
in SQL (``LIMIT``/``OFFSET`` with one row more than shown, so no page counts a whole
inventory to know whether another page follows)."""
