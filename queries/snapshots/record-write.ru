# Internal: one write through the API's Graph Store Protocol, as a PROV activity in the writes graph.
# $trail is the writes graph, $activity the activity's IRI, $before and $after the graph's state before and
# after the write (each a PROV entity that specialises $graph), $agent the holder of the write token, and
# $action, $label, $time, $beforeTriples, $afterTriples literals; all are terms written by the caller.
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
INSERT DATA {
  GRAPH $trail {
    $activity a prov:Activity ;
      rdfs:label $label ;
      dcterms:type $action ;
      prov:endedAtTime $time ;
      prov:wasAssociatedWith $agent ;
      prov:used $before ;
      prov:generated $after .
    $before a prov:Entity ; prov:specializationOf $graph ; void:triples $beforeTriples .
    $after a prov:Entity ; prov:specializationOf $graph ; void:triples $afterTriples ; prov:wasGeneratedBy $activity .
    $agent a prov:Agent ; rdfs:label $agentLabel .
  }
}
