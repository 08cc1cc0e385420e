# cax-sco over the precomputed closure: every individual gets every named superclass of its asserted types.
INSERT { GRAPH $target { ?x a ?super } }
$using
WHERE {
  VALUES (?sub ?super) { $pairs }
  ?x a ?sub .
  FILTER NOT EXISTS { ?x a ?super }
}
