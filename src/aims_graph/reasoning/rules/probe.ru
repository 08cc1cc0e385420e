# Whether the store takes USING in an update (a server whose default graph is the union may refuse it).
DELETE { GRAPH $graph { <urn:aims-graph:probe> <urn:aims-graph:probe> <urn:aims-graph:probe> } }
USING $graph
WHERE { }
