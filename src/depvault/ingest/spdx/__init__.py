"""SPDX 2.2 and 2.3 documents read into an inventory: safe YAML/XML loading (``syntax``),
spdx-tools' parsers and the packages' facts (``packages``), assembled by ``reader``."""
