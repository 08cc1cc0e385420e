# cls-int1, cls-svf1, cls-svf2, cls-hv2, cls-uni, cls-oo (and cax-sco): individuals that meet a class
# expression's condition are in the classes it implies.
INSERT { GRAPH $target { ?x a ?class } }
$using
WHERE {
  $condition
  VALUES ?class { $classes }
  FILTER NOT EXISTS { ?x a ?class }
}
