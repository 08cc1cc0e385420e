# Internal: drop one named graph; $graph is replaced by a validated IRI in N-Triples form.
DROP SILENT GRAPH $graph
