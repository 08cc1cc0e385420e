# prp-dom and prp-rng (with prp-spo1, prp-inv and cax-sco folded in): the subjects of these properties, and
# their objects, are in these classes. Each individual is made distinct before it is looked up.
INSERT { GRAPH $target { ?x a ?class } }
$using
WHERE {
  { SELECT DISTINCT ?x WHERE { $uses } }
  VALUES ?class { $classes }
  FILTER NOT EXISTS { ?x a ?class }
}
