# cls-hv1: every member of a class that is a subclass of (p value v) has the value v for p.
INSERT { GRAPH $target { ?x $property $value } }
$using
WHERE {
  ?x a $class .
  FILTER NOT EXISTS { ?x $property $value }
}
