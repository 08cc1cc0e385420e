# cls-avf: the values of p of a member of a subclass of (p only C) are in C and its superclasses.
INSERT { GRAPH $target { ?y a ?class } }
$using
WHERE {
  VALUES ?class { $classes }
  ?x a $class_with_restriction .
  ?x $property ?y .
  FILTER(!isLiteral(?y))
  FILTER NOT EXISTS { ?y a ?class }
}
