# Internal: copy organisation graphs into snapshot graphs and describe the snapshot, in one update.
# $pairs is a sequence of (<source> <copy>) rows and $metadata a GRAPH <iri> { N-Triples } block, both built
# from validated IRIs and terms.
INSERT { GRAPH ?copy { ?s ?p ?o } }
WHERE {
  VALUES (?source ?copy) { $pairs }
  GRAPH ?source { ?s ?p ?o }
} ;
INSERT DATA {
$metadata
}
