"""Crosswalks from ISO/IEC 42001 to the EU AI Act, the NIST AI RMF and ISO/IEC 27001: mapping sets in RDF and
SSSOM/TSV."""
