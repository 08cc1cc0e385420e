# prp-spo1 / prp-eqp over the precomputed closure: values of a property are values of its superproperties.
INSERT { GRAPH $target { ?x ?super ?y } }
$using
WHERE {
  VALUES ?super { $supers }
  ?x $property ?y .
  FILTER NOT EXISTS { ?x ?super ?y }
}
