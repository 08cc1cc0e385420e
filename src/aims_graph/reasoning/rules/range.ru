# prp-rng (with prp-spo1, prp-inv and cax-sco folded in): the object of a value is in these classes.
INSERT { GRAPH $target { ?y a ?class } }
$using
WHERE {
  VALUES ?class { $classes }
  ?x $property ?y .
  FILTER(!isLiteral(?y))
  FILTER NOT EXISTS { ?y a ?class }
}
