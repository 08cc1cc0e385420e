"""Auditor documents built from named queries: SoA, risk register, traceability matrix, coverage charts, tables."""
