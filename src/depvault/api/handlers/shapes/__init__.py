"""JSON shapes of the catalog's objects (catalog §4) shared by several categories, built
from store values: ``common`` (libraries, projects, licenses) and ``vulnerabilities``
(vulnerability and alert objects)."""
