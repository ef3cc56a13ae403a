"""CycloneDX 1.2-1.6 documents read into an inventory: schema checks and dispatch
(``reader``), the JSON and XML readers, and the components they build (``build``)."""
