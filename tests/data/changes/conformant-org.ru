# The next audit cycle of examples/conformant-org.ttl, as a scripted change set: a re-rated risk, a
# nonconformity raised and closed, an expired piece of evidence, a new AI system, an SoA entry whose
# implementation moved on, and a new treatment. tests/test_diff.py applies it after a snapshot and compares
# the diff with tests/golden/diff/conformant-org.*. Every operation works on the graph the example goes into
# when loaded without a graph name, never on a snapshot copy.
PREFIX nw: <https://example.org/northwind/>
PREFIX aims: <https://w3id.org/aims-graph/ontology#>
PREFIX iso42001: <https://w3id.org/aims-graph/iso42001/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

# The supplier update risk is judged more likely after a second unannounced change.
DELETE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:risk-02 aims:likelihood ?l ; aims:riskLevel ?r } }
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:risk-02 aims:likelihood 4 ; aims:riskLevel 16 } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:risk-02 aims:likelihood ?l ; aims:riskLevel ?r } } ;

# A nonconformity raised at the last internal audit, corrected and closed within the cycle.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> {
  nw:nc-02 a aims:Nonconformity ;
    rdfs:label "Release checklist skipped for a letter assistant prompt change"@en ;
    aims:against iso42001:A-6-2-5 ;
    aims:raisedBy nw:finding-03 ;
    aims:closedOn "2026-10-20"^^xsd:date .
  nw:ca-02 a aims:CorrectiveAction ;
    rdfs:label "Prompt changes added to the release checklist's scope"@en ;
    aims:addresses nw:nc-02 ;
    aims:implementationStatus aims:Implemented ;
    aims:closedOn "2026-10-20"^^xsd:date .
} }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:aims a aims:ManagementSystem } } ;

# The triage validation report is the only evidence for A.6.2.4 and was due for renewal in October.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:ev-triage-validation aims:effectiveFrom "2025-10-15"^^xsd:date ; aims:validUntil "2026-10-15"^^xsd:date } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:ev-triage-validation a aims:Evidence } } ;

# A new AI system, recorded but not yet impact-assessed.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> {
  nw:sys-coding a aims:AISystem ;
    rdfs:label "Clinical coding suggester"@en ;
    aims:owner nw:role-digital-po ;
    aims:intendedUse "Suggests diagnosis codes for discharge summaries; a clinical coder confirms every code." ;
    aims:lifecycleStage aims:VerificationAndValidation .
} }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:aims a aims:ManagementSystem } } ;

# The entry for A.6.2.8 moves from in progress to implemented.
DELETE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:soa-A-6-2-8 aims:implementationStatus ?s } }
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:soa-A-6-2-8 aims:implementationStatus aims:Implemented } }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:soa-A-6-2-8 aims:implementationStatus ?s } } ;

# A further treatment for the re-rated risk.
INSERT { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> {
  nw:trt-02b a aims:RiskTreatment ;
    rdfs:label "Contractual notice period for supplier model updates"@en ;
    aims:treats nw:risk-02 ;
    aims:appliesControl iso42001:A-10-3 ;
    aims:implementationStatus aims:InProgress .
} }
WHERE { GRAPH <https://w3id.org/aims-graph/graph/file/conformant-org.ttl> { nw:aims a aims:ManagementSystem } }
