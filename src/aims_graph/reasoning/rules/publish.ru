# Replace the inferred graph with the new inferences in one update, so readers never see a half-made one.
DROP SILENT GRAPH $inferred ;
ADD SILENT $pending TO $inferred ;
DROP SILENT GRAPH $pending
