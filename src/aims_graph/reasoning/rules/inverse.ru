# prp-inv1 / prp-inv2 / prp-symp over the precomputed closure: each value seen from the other side.
INSERT { GRAPH $target { ?y ?inverse ?x } }
$using
WHERE {
  VALUES ?inverse { $inverses }
  ?x $property ?y .
  FILTER(!isLiteral(?y))
  FILTER NOT EXISTS { ?y ?inverse ?x }
}
