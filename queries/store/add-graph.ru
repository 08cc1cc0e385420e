# Internal: add a complete staging graph to its target in one operation, then forget the staging graph.
ADD SILENT $from TO $to ;
DROP SILENT GRAPH $from
