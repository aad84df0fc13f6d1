"""The steering pages (issue 15): the indicators of the nightly snapshot (insertion/statistics),
as a page per level — national (the country by DISP then establishment, statistical secrecy) and
manager (their establishments, exact figures, each against the national median) — and the same
figures as CSV and ODS exports and as the monthly report PDF.

One model, three renderings: a level's `tables.Page` (headline figures, sections of tables and
charts, definitions) is what the page, the exports and the report draw; whatever one of them
shows, the others show alike, secrecy included.
"""
