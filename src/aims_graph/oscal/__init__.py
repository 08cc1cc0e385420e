"""OSCAL documents (catalog, profile, mapping collection, component definition, assessment results, POA&M) from the graph, and OSCAL catalogs into it."""
