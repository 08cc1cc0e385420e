"""Reasoning over the ontology: HermiT (owlready2) for full OWL 2 DL consistency and its explanations."""
