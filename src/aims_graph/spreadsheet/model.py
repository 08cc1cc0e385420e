"""The sheets of the AIMS workbook, described once: the template, the importer, the exporter and the README
sheet are all driven by this table, so a column added here appears everywhere at once.

Each sheet holds one kind of record (one row = one record, whose IRI is minted from its id). Each column
maps to one property of the data contract. Child records point at their parent (an SoA entry names its
statement, an impact names its assessment): those columns are ``inverse`` and produce the parent's triple.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..namespaces import AIMS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"

LABEL = RDFS + "label"
COMMENT = RDFS + "comment"


def aims(name: str) -> str:
    return str(AIMS) + name


CONTROL = aims("Control")
CLAUSE = aims("Clause")
OBJECTIVE_CATEGORY = aims("ObjectiveCategory")
RISK_SOURCE_CATEGORY = aims("RiskSourceCategory")


class Kind(Enum):
    ID = "id"
    TEXT = "text"
    """Plain text (xsd:string)."""
    LABEL = "label"
    """Text in the workbook's language (rdfs:label, rdfs:comment)."""
    DATE = "date"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    """One of a closed list of named values (an IRI of the ontology)."""
    TYPE = "type"
    """A choice whose value is the record's class."""
    FLAG = "flag"
    """yes/no: yes adds one more class to the record."""
    REF = "ref"
    """Ids of other records, or catalogue notations (A.6.2.4, 6.1.3, C.3.4) where the column allows them."""


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    help: str
    predicate: str | None = None
    required: bool = False
    many: bool = False
    inverse: bool = False
    """The triple runs from the referenced record to this row's record (parent -> child)."""
    targets: tuple[str, ...] = ()
    """Sheet keys whose ids the column may name; ("*",) means any sheet."""
    catalogue: tuple[str, ...] = ()
    """Catalogue classes whose notations the column accepts."""
    enumeration: str | None = None
    """For CHOICE: the ontology class whose owl:oneOf lists the values."""
    classes: tuple[str, ...] = ()
    """For TYPE: the classes to choose from; for FLAG: the class that "yes" adds."""
    minimum: int | None = None
    scale: str | None = None
    """For INTEGER: the risk criteria property (likelihoodScaleMax ...) that bounds the value."""
    product_of: tuple[str, str] | None = None
    """For INTEGER: when blank, the product of these two columns of the row."""
    example: object = None


@dataclass(frozen=True)
class Sheet:
    key: str
    """File name of the CSV variant, and a stable name for code and tests."""
    title: str
    """The tab name in the workbook (at most 31 characters)."""
    help: str
    columns: tuple[Column, ...]
    types: tuple[str, ...] = ()
    """Classes every record of the sheet gets."""
    export_classes: tuple[str, ...] = ()
    """Classes whose instances the exporter puts on this sheet (default: ``types``)."""
    shares_ids: bool = False
    """Ids may repeat ids of other sheets (the same resource is also this kind of record)."""
    default_id: tuple[str, str] | None = None
    """(prefix, header): a blank id is minted as prefix + the dashed value of that column."""
    inverse_columns: tuple[Column, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "inverse_columns", tuple(c for c in self.columns if c.inverse))

    @property
    def classes_to_export(self) -> tuple[str, ...]:
        return self.export_classes or self.types

    def column(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)


def _id(example: str, what: str) -> Column:
    return Column(
        "id",
        Kind.ID,
        f"A short, unique name for the {what}, such as {example}. It becomes the last part of the record's "
        "web address (IRI) and is how other sheets refer to it. Letters, digits and . _ ~ - / only.",
        required=True,
        example=example,
    )


def _name(what: str, example: str, required: bool = False) -> Column:
    return Column("name", Kind.LABEL, f"A short name for the {what}.", LABEL, required=required, example=example)


def _description(what: str, example: str | None = None) -> Column:
    return Column("description", Kind.LABEL, f"Free text describing the {what}.", COMMENT, example=example)


OWNER_TARGETS = ("roles", "people")

SETTINGS_TITLE = "Settings"
README_TITLE = "README"
SETTING_BASE = "base IRI"
SETTING_LANGUAGE = "language"
DEFAULT_BASE = "https://example.org/aims/"
DEFAULT_LANGUAGE = "en"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "organisation",
        "Organisation",
        "The organisation that runs the AI management system.",
        (
            _id("org", "organisation"),
            _name("organisation", "Example Analytics"),
            Column(
                "legal name", Kind.TEXT, "The registered legal name.", FOAF + "name", example="Example Analytics Ltd"
            ),
            _description("organisation: what it does, its size", "Builds and uses AI for its customers."),
        ),
        types=(aims("Organization"),),
    ),
    Sheet(
        "management-system",
        "Management system",
        "The AI management system itself: whose it is, what its scope covers, and the date the records describe.",
        (
            _id("aims", "management system"),
            _name("management system", "Example AI management system"),
            Column(
                "organisation",
                Kind.REF,
                "The id of the organisation (sheet Organisation) that runs it.",
                aims("organization"),
                targets=("organisation",),
                example="org",
            ),
            Column(
                "scope statement",
                Kind.TEXT,
                "What the management system covers and leaves out: units, sites, products, AI systems.",
                aims("scopeStatement"),
                example="All AI systems built or used by the analytics team.",
            ),
            Column(
                "as of",
                Kind.DATE,
                "The date these records describe (for example the audit date), as YYYY-MM-DD. Time-based "
                "checks, such as overdue policy reviews, are judged at this date.",
                aims("asOf"),
                example="2026-11-01",
            ),
        ),
        types=(aims("ManagementSystem"),),
    ),
    Sheet(
        "people",
        "People",
        "People who hold roles. Optional: roles can be recorded without naming anyone.",
        (
            _id("person-ada", "person"),
            Column("name", Kind.TEXT, "The person's name.", FOAF + "name", example="Ada Example"),
        ),
        types=(FOAF + "Person",),
    ),
    Sheet(
        "roles",
        "Roles",
        "Roles with responsibilities in the management system. Owners everywhere else are role ids (or people ids).",
        (
            _id("role-board", "role"),
            _name("role", "Executive board"),
            _description("role's duties", "Sets direction for AI and approves the AI policy."),
            Column(
                "top management",
                Kind.FLAG,
                "yes if this role is top management (it can approve the AI policy); otherwise leave blank or no.",
                RDF_TYPE,
                classes=(aims("TopManagement"),),
                example="yes",
            ),
            Column(
                "held by",
                Kind.REF,
                "Ids of the people (sheet People) who hold the role.",
                aims("heldBy"),
                many=True,
                targets=("people",),
                example="person-ada",
            ),
        ),
        types=(aims("Role"),),
        export_classes=(aims("Role"), aims("TopManagement")),
    ),
    Sheet(
        "policies",
        "Policies",
        "The AI policy and the topic-specific policies that support it, with their approval and review.",
        (
            _id("policy-ai", "policy"),
            Column(
                "kind",
                Kind.TYPE,
                "AI policy (the overarching one) or topic-specific policy.",
                RDF_TYPE,
                required=True,
                classes=(aims("AIPolicy"), aims("TopicPolicy")),
                example="AI policy",
            ),
            _name("policy", "AI policy, version 1"),
            Column("title", Kind.TEXT, "The document title.", DCTERMS + "title", example="AI policy v1"),
            _description("policy's commitments", "Commits us to safe, fair and explainable AI."),
            Column(
                "owner",
                Kind.REF,
                "Id of the role (or person) accountable for the policy.",
                aims("owner"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
            Column(
                "approved by",
                Kind.REF,
                "Id of the role that approved it; the AI policy needs a top management role.",
                aims("approvedBy"),
                many=True,
                targets=("roles",),
                example="role-board",
            ),
            Column("approved on", Kind.DATE, "Approval date, YYYY-MM-DD.", aims("approvedOn"), example="2026-01-15"),
            Column(
                "last reviewed",
                Kind.DATE,
                "Date of the latest review, YYYY-MM-DD.",
                aims("lastReviewed"),
                example="2026-06-01",
            ),
            Column(
                "review interval (months)",
                Kind.INTEGER,
                "How many months may pass between reviews before the policy is overdue.",
                aims("reviewIntervalMonths"),
                minimum=1,
                example=12,
            ),
        ),
        export_classes=(aims("AIPolicy"), aims("TopicPolicy")),
    ),
    Sheet(
        "objectives",
        "Objectives",
        "AI objectives the organisation sets itself, each serving an Annex C objective category.",
        (
            _id("obj-fairness", "objective"),
            _name("objective", "Treat comparable customers alike"),
            Column(
                "category",
                Kind.REF,
                "The Annex C objective category it serves, by notation (C.2.1 to C.2.11).",
                aims("objectiveCategory"),
                many=True,
                catalogue=(OBJECTIVE_CATEGORY,),
                example="C.2.5",
            ),
            Column(
                "owner",
                Kind.REF,
                "Id of the accountable role (or person).",
                aims("owner"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
            Column(
                "measure",
                Kind.TEXT,
                "How achievement is measured, in words.",
                aims("measure"),
                example="Approval rate ratio between groups stays above 0.8.",
            ),
            Column(
                "target date", Kind.DATE, "When it should be met, YYYY-MM-DD.", aims("targetDate"), example="2027-06-30"
            ),
        ),
        types=(aims("Objective"),),
    ),
    Sheet(
        "ai-systems",
        "AI systems",
        "The inventory of AI systems the organisation develops, provides or uses.",
        (
            _id("sys-scoring", "AI system"),
            _name("AI system", "Credit scoring model"),
            _description("system: what it is, who built it", "Gradient-boosted model built in house."),
            Column(
                "owner",
                Kind.REF,
                "Id of the accountable role (or person).",
                aims("owner"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
            Column(
                "intended use",
                Kind.TEXT,
                "What the system is for, for whom and under which conditions; what it must not be used for.",
                aims("intendedUse"),
                example="Estimates default risk as one input to a credit decision made by staff.",
            ),
            Column(
                "lifecycle stage",
                Kind.CHOICE,
                "The stage of the system's life cycle it is in now (pick from the list).",
                aims("lifecycleStage"),
                enumeration=aims("LifecycleStage"),
                example="Operation and monitoring",
            ),
            Column(
                "deployment context",
                Kind.TEXT,
                "Where and how it runs: setting, users, volumes.",
                aims("deploymentContext"),
                example="Online application journey, about 3,000 decisions a day.",
            ),
            Column(
                "organisation role",
                Kind.CHOICE,
                "The part the organisation plays for this system (AI provider, producer, customer, partner, "
                "subject); several separated by ; or ,.",
                aims("organizationRole"),
                many=True,
                enumeration=aims("StakeholderRole"),
                example="AI producer",
            ),
            Column(
                "datasets",
                Kind.REF,
                "Ids of the datasets (sheet Datasets) it is built with or consumes.",
                aims("usesDataset"),
                many=True,
                targets=("datasets",),
                example="ds-applications",
            ),
            Column(
                "in scope",
                Kind.BOOLEAN,
                "no if the system is outside the management system's scope; blank means in scope.",
                aims("inScope"),
            ),
        ),
        types=(aims("AISystem"),),
    ),
    Sheet(
        "datasets",
        "Datasets",
        "Data used to build, test or run AI systems, with where it comes from and how its quality was checked.",
        (
            _id("ds-applications", "dataset"),
            _name("dataset", "Loan applications 2020-2026"),
            Column(
                "provenance",
                Kind.TEXT,
                "Where the data comes from, how it was collected and on what basis it may be used.",
                aims("provenance"),
                example="Collected from applicants through the website under the privacy notice.",
            ),
            Column(
                "quality record",
                Kind.REF,
                "Id of the evidence (sheet Evidence) recording how its quality was assessed.",
                aims("qualityRecord"),
                many=True,
                targets=("evidence",),
                example="ev-data-quality",
            ),
            Column(
                "derived from",
                Kind.REF,
                "Ids of datasets this one was extracted or derived from.",
                PROV + "wasDerivedFrom",
                many=True,
                targets=("datasets",),
            ),
        ),
        types=(aims("Dataset"),),
    ),
    Sheet(
        "interested-parties",
        "Interested parties",
        "People, groups and organisations that affect or are affected by the organisation's AI.",
        (
            _id("party-customers", "interested party"),
            _name("interested party", "Applicants and borrowers"),
            _description("interested party"),
        ),
        types=(aims("InterestedParty"),),
    ),
    Sheet(
        "requirements",
        "Requirements",
        "What each interested party needs or expects, and what in the management system answers it.",
        (
            _id("req-customers-reasons", "requirement"),
            Column(
                "party",
                Kind.REF,
                "Id of the interested party (sheet Interested parties) with this requirement; several "
                "separated by ; or , if it is shared.",
                aims("hasRequirement"),
                required=True,
                many=True,
                inverse=True,
                targets=("interested-parties",),
                example="party-customers",
            ),
            _name("requirement", "A declined applicant is told the main reasons"),
            Column(
                "addressed by",
                Kind.REF,
                "Annex A controls (A.8.2) and ids of your own controls, objectives or policies that meet it.",
                aims("addressedBy"),
                many=True,
                catalogue=(CONTROL,),
                targets=("controls", "objectives", "policies"),
                example="A.8.2",
            ),
        ),
        types=(aims("Requirement"),),
    ),
    Sheet(
        "risk-criteria",
        "Risk criteria",
        "The scales risks are rated on and the level above which a risk needs treatment.",
        (
            _id("risk-criteria", "risk criteria"),
            _name("risk criteria", "AI risk criteria 2026"),
            _description("scales and how the level is worked out"),
            Column(
                "acceptance threshold",
                Kind.INTEGER,
                "The highest risk level accepted without treatment.",
                aims("acceptanceThreshold"),
                minimum=0,
                example=6,
            ),
            Column(
                "likelihood scale max",
                Kind.INTEGER,
                "The top of the likelihood scale (the scale runs from 1).",
                aims("likelihoodScaleMax"),
                minimum=1,
                example=5,
            ),
            Column(
                "consequence scale max",
                Kind.INTEGER,
                "The top of the consequence scale (the scale runs from 1).",
                aims("consequenceScaleMax"),
                minimum=1,
                example=5,
            ),
        ),
        types=(aims("RiskCriteria"),),
    ),
    Sheet(
        "risks",
        "Risks",
        "The AI risk register: what could go wrong, for which system and whom, how likely and how bad, "
        "who owns it and what was decided.",
        (
            _id("risk-01", "risk"),
            _name("risk", "Score uses proxies for protected characteristics"),
            _description("risk"),
            Column(
                "systems",
                Kind.REF,
                "Ids of the AI systems (sheet AI systems) the risk concerns.",
                aims("affectsSystem"),
                many=True,
                targets=("ai-systems",),
                example="sys-scoring",
            ),
            Column(
                "parties",
                Kind.REF,
                "Ids of the interested parties who would bear the consequences.",
                aims("affectsParty"),
                many=True,
                targets=("interested-parties",),
                example="party-customers",
            ),
            Column(
                "risk source",
                Kind.REF,
                "The Annex C risk source it arises from, by notation (C.3.1 to C.3.7).",
                aims("riskSource"),
                many=True,
                catalogue=(RISK_SOURCE_CATEGORY,),
                example="C.3.4",
            ),
            Column(
                "objectives",
                Kind.REF,
                "Annex C objective categories (C.2.x) and ids of your objectives that the risk threatens.",
                aims("threatensObjective"),
                many=True,
                catalogue=(OBJECTIVE_CATEGORY,),
                targets=("objectives",),
                example="C.2.5; obj-fairness",
            ),
            Column(
                "likelihood",
                Kind.INTEGER,
                "Whole number from 1 to the top of the likelihood scale on sheet Risk criteria.",
                aims("likelihood"),
                minimum=1,
                scale=aims("likelihoodScaleMax"),
                example=3,
            ),
            Column(
                "consequence",
                Kind.INTEGER,
                "Whole number from 1 to the top of the consequence scale on sheet Risk criteria.",
                aims("consequence"),
                minimum=1,
                scale=aims("consequenceScaleMax"),
                example=4,
            ),
            Column(
                "level",
                Kind.INTEGER,
                "The risk level; left blank, it is worked out as likelihood times consequence.",
                aims("riskLevel"),
                minimum=1,
                product_of=("likelihood", "consequence"),
                example=12,
            ),
            Column(
                "owner",
                Kind.REF,
                "Id of the role (or person) accountable for the risk.",
                aims("riskOwner"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
            Column(
                "treatment decision",
                Kind.CHOICE,
                "Modify (apply controls), Accept, Avoid or Share.",
                aims("treatmentDecision"),
                enumeration=aims("TreatmentDecision"),
                example="Modify",
            ),
        ),
        types=(aims("Risk"),),
    ),
    Sheet(
        "controls",
        "Own controls",
        "Controls the organisation defines itself, beyond Annex A. Annex A controls need no row: refer to "
        "them by notation (A.6.2.4) anywhere.",
        (
            _id("ctl-redaction", "control"),
            _name("control", "Redaction gateway for outbound model calls"),
            _description("control"),
        ),
        types=(CONTROL,),
    ),
    Sheet(
        "treatments",
        "Treatments",
        "Risk treatments: what is done about which risks, through which controls.",
        (
            _id("trt-01", "treatment"),
            Column(
                "risks",
                Kind.REF,
                "Ids of the risks (sheet Risks) it treats.",
                aims("treats"),
                required=True,
                many=True,
                targets=("risks",),
                example="risk-01",
            ),
            _name("treatment", "Proxy testing and outcome monitoring"),
            Column(
                "controls",
                Kind.REF,
                "The controls it applies: Annex A notations (A.5.4) and ids of your own controls, separated by ; or ,.",
                aims("appliesControl"),
                many=True,
                catalogue=(CONTROL,),
                targets=("controls",),
                example="A.5.4; A.6.2.4",
            ),
            Column(
                "status",
                Kind.CHOICE,
                "Planned, In progress or Implemented.",
                aims("implementationStatus"),
                enumeration=aims("ImplementationStatus"),
                example="Implemented",
            ),
        ),
        types=(aims("RiskTreatment"),),
    ),
    Sheet(
        "soa",
        "Statement of Applicability",
        "The Statement of Applicability as a document: its version, date and approval. Its lines are on "
        "sheet SoA entries.",
        (
            _id("soa", "statement"),
            _name("statement", "Statement of Applicability, version 1"),
            Column("title", Kind.TEXT, "The document title.", DCTERMS + "title", example="SoA v1"),
            Column("date", Kind.DATE, "Date of this version, YYYY-MM-DD.", DCTERMS + "date", example="2026-10-01"),
            Column(
                "approved by",
                Kind.REF,
                "Id of the approving role.",
                aims("approvedBy"),
                many=True,
                targets=("roles",),
                example="role-board",
            ),
            Column("approved on", Kind.DATE, "Approval date, YYYY-MM-DD.", aims("approvedOn"), example="2026-10-01"),
        ),
        types=(aims("StatementOfApplicability"),),
    ),
    Sheet(
        "soa-entries",
        "SoA entries",
        "One line per control: whether it applies, why, and how far it is implemented. Every Annex A control "
        "should appear exactly once.",
        (
            Column(
                "id",
                Kind.ID,
                "Unique name of the line; leave blank to use soa- followed by the control (soa-A-2-2).",
                example="soa-A-2-2",
            ),
            Column(
                "statement",
                Kind.REF,
                "Id of the statement (sheet Statement of Applicability) the line belongs to.",
                aims("entry"),
                required=True,
                inverse=True,
                targets=("soa",),
                example="soa",
            ),
            Column(
                "control",
                Kind.REF,
                "The control, by Annex A notation (A.2.2) or the id of one of your own controls.",
                aims("control"),
                required=True,
                catalogue=(CONTROL,),
                targets=("controls",),
                example="A.2.2",
            ),
            Column(
                "applicable",
                Kind.BOOLEAN,
                "yes if the organisation applies the control, no if it excludes it.",
                aims("applicable"),
                example="yes",
            ),
            Column(
                "justification",
                Kind.TEXT,
                "Why the control is included or excluded.",
                aims("justification"),
                example="We build and use AI, so we need one written AI policy.",
            ),
            Column(
                "status",
                Kind.CHOICE,
                "Planned, In progress or Implemented (needed when applicable).",
                aims("implementationStatus"),
                enumeration=aims("ImplementationStatus"),
                example="Implemented",
            ),
            Column("comment", Kind.LABEL, "Any further note on the line.", COMMENT),
        ),
        types=(aims("ApplicabilityEntry"),),
        default_id=("soa-", "control"),
    ),
    Sheet(
        "impact-assessments",
        "Impact assessments",
        "AI system impact assessments: which system, when, and which interested parties were considered. "
        "The impacts found are on sheet Impacts.",
        (
            _id("ia-scoring", "assessment"),
            _name("assessment", "Impact assessment: credit scoring model"),
            Column(
                "system",
                Kind.REF,
                "Id of the AI system assessed.",
                aims("assesses"),
                required=True,
                many=True,
                targets=("ai-systems",),
                example="sys-scoring",
            ),
            Column(
                "parties",
                Kind.REF,
                "Ids of the interested parties whose exposure was considered.",
                aims("considersParty"),
                many=True,
                targets=("interested-parties",),
                example="party-customers",
            ),
            Column("date", Kind.DATE, "Date of the assessment, YYYY-MM-DD.", DCTERMS + "date", example="2026-03-01"),
        ),
        types=(aims("ImpactAssessment"),),
    ),
    Sheet(
        "impacts",
        "Impacts",
        "Consequences for people that an impact assessment identified.",
        (
            _id("imp-scoring-groups", "impact"),
            Column(
                "assessment",
                Kind.REF,
                "Id of the impact assessment that identified it.",
                aims("identifiesImpact"),
                required=True,
                many=True,
                inverse=True,
                targets=("impact-assessments",),
                example="ia-scoring",
            ),
            _name("impact", "Some groups are declined more often than others"),
            Column(
                "scope",
                Kind.CHOICE,
                "On whom it falls: Individuals, Groups of individuals or Society.",
                aims("impactScope"),
                enumeration=aims("ImpactScope"),
                example="Groups of individuals",
            ),
            Column(
                "severity",
                Kind.INTEGER,
                "How serious, on the consequence scale of sheet Risk criteria.",
                aims("severity"),
                minimum=1,
                scale=aims("consequenceScaleMax"),
                example=4,
            ),
        ),
        types=(aims("Impact"),),
    ),
    Sheet(
        "evidence",
        "Evidence",
        "Documented information showing that a control or a clause requirement is met: records, reports, "
        "logs. An id may repeat one on another sheet when that record is itself the evidence.",
        (
            _id("ev-data-quality", "evidence"),
            Column(
                "title",
                Kind.TEXT,
                "The document or record title.",
                DCTERMS + "title",
                example="Data quality report 2026 H1",
            ),
            Column("date", Kind.DATE, "Its date, YYYY-MM-DD.", DCTERMS + "date", example="2026-07-15"),
            Column(
                "supports",
                Kind.REF,
                "What it is evidence for: Annex A controls (A.7.4), clauses (9.2) and ids of your own controls.",
                aims("evidenceFor"),
                many=True,
                catalogue=(CONTROL, CLAUSE),
                targets=("controls",),
                example="A.7.4",
            ),
        ),
        types=(aims("Evidence"),),
        shares_ids=True,
    ),
    Sheet(
        "audits",
        "Internal audits",
        "Internal audits of the management system. Their findings are on sheet Audit findings.",
        (
            _id("audit-2026", "audit"),
            _name("audit", "Internal audit 2026"),
            Column("date", Kind.DATE, "When it was carried out, YYYY-MM-DD.", DCTERMS + "date", example="2026-09-15"),
            Column(
                "auditor",
                Kind.REF,
                "Id of the auditing role (or person).",
                aims("auditor"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
        ),
        types=(aims("InternalAudit"),),
    ),
    Sheet(
        "findings",
        "Audit findings",
        "What an audit found: conformities, observations and nonconformities, against a clause or control.",
        (
            _id("finding-01", "finding"),
            Column(
                "audit",
                Kind.REF,
                "Id of the audit (sheet Internal audits) that recorded it.",
                aims("hasFinding"),
                required=True,
                many=True,
                inverse=True,
                targets=("audits",),
                example="audit-2026",
            ),
            _name("finding", "Monitoring alerts lack thresholds"),
            _description("finding"),
            Column(
                "against",
                Kind.REF,
                "The clause (9.1) or control (A.6.2.6) concerned, or the id of your own control.",
                aims("against"),
                many=True,
                catalogue=(CONTROL, CLAUSE),
                targets=("controls",),
                example="A.6.2.6",
            ),
        ),
        types=(aims("AuditFinding"),),
    ),
    Sheet(
        "nonconformities",
        "Nonconformities",
        "Requirements found not met, what revealed them, and when they were closed.",
        (
            _id("nc-01", "nonconformity"),
            _name("nonconformity", "Monitoring alerts not acted on"),
            _description("nonconformity"),
            Column(
                "against",
                Kind.REF,
                "The clause or control not met (notation), or the id of your own control.",
                aims("against"),
                many=True,
                catalogue=(CONTROL, CLAUSE),
                targets=("controls",),
                example="A.6.2.6",
            ),
            Column(
                "raised by",
                Kind.REF,
                "Ids of the audit findings, incidents or management reviews that revealed it.",
                aims("raisedBy"),
                many=True,
                targets=("findings", "incidents", "reviews"),
                example="finding-01",
            ),
            Column("closed on", Kind.DATE, "Closure date, YYYY-MM-DD; blank while open.", aims("closedOn")),
        ),
        types=(aims("Nonconformity"),),
    ),
    Sheet(
        "corrective-actions",
        "Corrective actions",
        "Actions that remove the cause of a nonconformity.",
        (
            _id("ca-01", "corrective action"),
            Column(
                "nonconformity",
                Kind.REF,
                "Id of the nonconformity (sheet Nonconformities) it deals with.",
                aims("addresses"),
                required=True,
                many=True,
                targets=("nonconformities",),
                example="nc-01",
            ),
            _name("corrective action", "Set and configure alert thresholds"),
            _description("action and the root cause it removes"),
            Column(
                "owner",
                Kind.REF,
                "Id of the accountable role (or person).",
                aims("owner"),
                many=True,
                targets=OWNER_TARGETS,
                example="role-board",
            ),
            Column(
                "status",
                Kind.CHOICE,
                "Planned, In progress or Implemented.",
                aims("implementationStatus"),
                enumeration=aims("ImplementationStatus"),
                example="In progress",
            ),
            Column("target date", Kind.DATE, "Due date, YYYY-MM-DD.", aims("targetDate"), example="2026-12-15"),
            Column("closed on", Kind.DATE, "Closure date, YYYY-MM-DD; blank while open.", aims("closedOn")),
        ),
        types=(aims("CorrectiveAction"),),
    ),
    Sheet(
        "reviews",
        "Management reviews",
        "Management reviews: what was looked at and what was decided.",
        (
            _id("mr-2026", "review"),
            _name("review", "Management review, October 2026"),
            Column("date", Kind.DATE, "Date of the review, YYYY-MM-DD.", DCTERMS + "date", example="2026-10-20"),
            Column(
                "inputs",
                Kind.REF,
                "Ids of records considered: audits, nonconformities, incidents, objectives and so on.",
                aims("reviewedInput"),
                many=True,
                targets=("*",),
                example="audit-2026; nc-01",
            ),
            Column(
                "decisions",
                Kind.TEXT,
                "Decisions and actions, one per line (Alt+Enter starts a new line in a cell).",
                aims("decision"),
                many=True,
                example="Keep the AI policy unchanged.",
            ),
        ),
        types=(aims("ManagementReview"),),
    ),
    Sheet(
        "incidents",
        "Incidents",
        "AI incidents: harm, near misses and failures that had to be handled and communicated.",
        (
            _id("inc-01", "incident"),
            _name("incident", "Scores shifted after an unannounced change"),
            _description("incident: what happened and what was done"),
            Column("date", Kind.DATE, "When it happened, YYYY-MM-DD.", DCTERMS + "date", example="2026-05-06"),
            Column(
                "systems",
                Kind.REF,
                "Ids of the AI systems involved.",
                aims("involvesSystem"),
                many=True,
                targets=("ai-systems",),
                example="sys-scoring",
            ),
            Column(
                "reported to",
                Kind.REF,
                "Ids of the interested parties it was communicated to.",
                aims("reportedTo"),
                many=True,
                targets=("interested-parties",),
                example="party-customers",
            ),
            Column(
                "severity",
                Kind.INTEGER,
                "How serious, on the consequence scale of sheet Risk criteria.",
                aims("severity"),
                minimum=1,
                scale=aims("consequenceScaleMax"),
                example=2,
            ),
        ),
        types=(aims("Incident"),),
    ),
    Sheet(
        "relationships",
        "Third parties",
        "Agreements with suppliers and customers about AI systems, and who is responsible for what.",
        (
            _id("rel-supplier", "relationship"),
            Column(
                "kind",
                Kind.TYPE,
                "Supplier relationship (they supply us) or customer relationship (we supply them).",
                RDF_TYPE,
                required=True,
                classes=(aims("SupplierRelationship"), aims("CustomerRelationship")),
                example="Supplier relationship",
            ),
            _name("relationship", "Data supply agreement"),
            Column(
                "counterparty",
                Kind.REF,
                "Id of the other party (sheet Interested parties).",
                aims("counterparty"),
                many=True,
                targets=("interested-parties",),
                example="party-customers",
            ),
            Column(
                "systems",
                Kind.REF,
                "Ids of the AI systems it is about.",
                aims("concernsSystem"),
                many=True,
                targets=("ai-systems",),
                example="sys-scoring",
            ),
            Column(
                "responsibilities",
                Kind.TEXT,
                "Who does what, one responsibility per line.",
                aims("responsibility"),
                many=True,
                example="The supplier announces model changes 30 days ahead.",
            ),
        ),
        export_classes=(aims("SupplierRelationship"), aims("CustomerRelationship")),
    ),
)

SHEETS_BY_KEY: dict[str, Sheet] = {sheet.key: sheet for sheet in SHEETS}

SEPARATORS = "; or ,"
