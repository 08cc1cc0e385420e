# Internal: insert a batch of N-Triples into a graph; $graph and $triples come from validated terms.
INSERT DATA { GRAPH $graph {
$triples
} }
