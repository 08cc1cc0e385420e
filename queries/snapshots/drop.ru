# Internal: remove a snapshot's copies and its description; the snapshot that named it as its previous
# version now names the one before it. $drops is a sequence of DROP SILENT GRAPH <iri> ; operations,
# $meta the snapshot-metadata graph and $snapshot the snapshot's IRI, all validated IRIs.
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
$drops
DELETE { GRAPH $meta { ?next dcat:previousVersion $snapshot } }
INSERT { GRAPH $meta { ?next dcat:previousVersion ?previous } }
WHERE {
  GRAPH $meta {
    ?next dcat:previousVersion $snapshot .
    OPTIONAL { $snapshot dcat:previousVersion ?previous }
  }
} ;
DELETE WHERE { GRAPH $meta { ?copy dcterms:isPartOf $snapshot ; ?p ?o } } ;
DELETE { GRAPH $meta { ?agent ?p ?o } }
WHERE { GRAPH $meta { $snapshot prov:wasGeneratedBy/prov:wasAssociatedWith ?agent . ?agent ?p ?o } } ;
DELETE { GRAPH $meta { ?activity ?p ?o } }
WHERE { GRAPH $meta { $snapshot prov:wasGeneratedBy ?activity . ?activity ?p ?o } } ;
DELETE WHERE { GRAPH $meta { $snapshot ?p ?o } }
