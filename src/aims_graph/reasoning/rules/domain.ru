# prp-dom (with prp-spo1, prp-inv and cax-sco folded in): the subject of a value is in these classes.
INSERT { GRAPH $target { ?x a ?class } }
$using
WHERE {
  VALUES ?class { $classes }
  ?x $property ?y .
  FILTER NOT EXISTS { ?x a ?class }
}
