"""The CPIP caseload dashboard (/portefeuille/) and the manager's team view (/equipe/).

- `filters`: the page's filters (a form) and the orders;
- `selectors`: whose people, with which columns, one page of them;
- `counters`: the counters and the filtered total, in one aggregate query;
- `labels`: what a cell says (the page and the CSV share it);
- `export`: the CSV export;
- `team`: the team table and the people a manager may reassign.

Everything starts from `Detainee.objects.visible_to(user).held()` and the readiness rules of
`insertion/release/readiness.py` (one definition of each); the number of queries does not grow
with the caseload.
"""
