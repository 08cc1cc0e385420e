"""Reasoning over the ontology: OWL 2 RL rules compiled to SPARQL and run inside the store (the default), and
HermiT (owlready2) for full OWL 2 DL consistency and its explanations."""
