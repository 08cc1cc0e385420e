# Internal: insert parsed data that holds blank nodes; $blocks as in insert-data.ru. Unlike INSERT DATA, a
# template may hold blank nodes on every server (Virtuoso refuses them in INSERT DATA); each request makes
# fresh ones, so a blank node and all its triples always travel in the same request.
INSERT {
$blocks
}
WHERE {}
