# Internal: a complete staging graph becomes its (new) target graph in one operation.
MOVE SILENT $from TO $to
