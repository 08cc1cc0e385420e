# Internal: insert parsed data; $blocks is a sequence of GRAPH <iri> { N-Triples } built from parsed terms.
INSERT DATA {
$blocks
}
