# The next audit cycle of examples/gaps-org.ttl, as a scripted change set: a re-rated risk (which no longer
# needs treatment), a closed nonconformity, an expired piece of evidence, a new AI system, and a control the
# SoA now excludes. tests/test_diff.py applies it after a snapshot and compares the diff with
# tests/golden/diff/gaps-org.*. Every operation works on the graph the example goes into when loaded without
# a graph name, never on a snapshot copy.
PREFIX bl: <https://example.org/brightline/>
PREFIX aims: <https://w3id.org/aims-graph/ontology#>
PREFIX iso42001: <https://w3id.org/aims-graph/iso42001/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

# The collections contact risk is re-rated after a contact cap was introduced: down to the threshold.
DELETE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:risk-05 aims:likelihood ?l ; aims:consequence ?c ; aims:riskLevel ?r } }
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:risk-05 aims:likelihood 2 ; aims:consequence 3 ; aims:riskLevel 6 } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:risk-05 aims:likelihood ?l ; aims:consequence ?c ; aims:riskLevel ?r } } ;

# The fraud monitoring nonconformity is closed: its corrective action is done.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:nc-01 aims:closedOn "2026-10-12"^^xsd:date } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:nc-01 a aims:Nonconformity } } ;

# The roles chart, the only evidence for A.3.2, was valid for six months.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:ev-roles aims:effectiveFrom "2026-03-01"^^xsd:date ; aims:validUntil "2026-08-31"^^xsd:date } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:ev-roles a aims:Evidence } } ;

# A new AI system, recorded without an owner yet.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> {
  bl:sys-affordability a aims:AISystem ;
    rdfs:label "Affordability checker"@en ;
    aims:intendedUse "Estimates disposable income from open banking data for lending decisions." ;
    aims:lifecycleStage aims:DesignAndDevelopment .
} }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { bl:aims a aims:ManagementSystem } } ;

# The SoA now excludes A.6.2.8 (logging of ranking outputs is dropped); its justification stays.
DELETE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { ?entry aims:applicable ?a } }
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { ?entry aims:applicable false } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/gaps-org.ttl> { ?entry aims:control iso42001:A-6-2-8 ; aims:applicable ?a } }
