# Internal (spreadsheet import): replace a named graph by a freshly loaded one in one atomic update.
# $from and $to are replaced by validated IRIs in N-Triples form.
MOVE SILENT GRAPH $from TO GRAPH $to
