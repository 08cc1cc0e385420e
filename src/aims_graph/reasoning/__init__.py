"""OWL 2 RL reasoning inside the store: the ontology's axioms compiled to SPARQL updates and checks."""
