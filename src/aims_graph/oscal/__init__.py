"""OSCAL documents from the graph (catalog, profile, mapping collection, component definition, assessment
results, POA&M) and OSCAL catalogs into it, through compliance-trestle's models (OSCAL 1.2.1)."""
