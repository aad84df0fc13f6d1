"""Every form of the interview page at once: what a save changes and what it refused."""

from entretiens.forms.rows import ROW_FORMS, ROW_PREFIXES
from entretiens.forms.sections import (
    BarriersForm,
    ConductForm,
    EducationForm,
    RecommendationsForm,
    SkillsForm,
    WorkForm,
)
from entretiens.models import Interview
from entretiens.services import DraftChanges


class InterviewEntry:
    """Every form of the interview page, bound to one POST (or unbound to show the saved state).

    Rows are always saved rows (added one at a time by the "Ajouter" buttons), each rendered
    with the prefix `<kind>-<pk>`, so a save never creates a row twice. A row is bound only when
    the POST carries it: a row just added shows empty, a row added in another tab shows saved.
    """

    SECTION_FORMS = {
        "deroulement": ConductForm,
        "scolarite": EducationForm,
        "professionnel": WorkForm,
        "competences": SkillsForm,
        "freins": BarriersForm,
        "preconisations": RecommendationsForm,
    }

    def __init__(self, interview: Interview, data=None):
        self.interview = interview
        self.sections = {
            code: form_class(data, interview=interview, prefix=None)
            for code, form_class in self.SECTION_FORMS.items()
        }
        self.rows = {
            kind: [self._row_form(kind, row, data) for row in rows]
            for kind, rows in self.row_objects().items()
        }

    @staticmethod
    def _row_form(kind, row, data):
        prefix = f"{ROW_PREFIXES[kind]}-{row.pk}"
        present = data is not None and any(key.startswith(f"{prefix}-") for key in data)
        return ROW_FORMS[kind](data if present else None, instance=row, prefix=prefix)

    def row_objects(self) -> dict:
        interview = self.interview
        return {
            "diplomes": list(interview.diplomas.all()),
            "experiences": list(interview.experiences.all()),
            "savoir_faire": list(interview.know_hows.all()),
            "projets": list(interview.projects.all()),
        }

    def all_forms(self):
        yield from self.sections.values()
        for forms_ in self.rows.values():
            yield from forms_

    def focus_row(self, kind: str, row_id: int) -> None:
        """Put the focus in the first field of a row just added (htmx honours autofocus)."""
        for form in self.rows.get(kind, []):
            if form.instance.pk == row_id:
                first = next(iter(form.fields.values()))
                first.widget.attrs["autofocus"] = True

    ROW_SECTIONS = {
        "diplomes": "scolarite",
        "experiences": "professionnel",
        "savoir_faire": "competences",
        "projets": "projets",
    }

    def error_list(self) -> list[tuple[str, str, str]]:
        """(section anchor, field label, first message) of every field refused."""
        found = []
        located = [(code, form) for code, form in self.sections.items()] + [
            (self.ROW_SECTIONS[kind], form) for kind, forms_ in self.rows.items() for form in forms_
        ]
        for section, form in located:
            if not form.is_bound:
                continue
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else "Formulaire"
                found.append((section, str(label), errors[0]))
        return found

    def has_errors(self) -> bool:
        return any(form.is_bound and not form.is_valid() for form in self.all_forms())

    def error_count(self) -> int:
        return sum(len(form.errors) for form in self.all_forms() if form.is_bound)

    def changes(self) -> DraftChanges:
        fields = {}
        for form in self.sections.values():
            fields.update({k: v for k, v in form.saved_values().items() if k in form._meta.fields})
        return DraftChanges(
            fields=fields,
            rows={
                kind: {form.instance.pk: form.saved_values() for form in forms_ if form.is_bound}
                for kind, forms_ in self.rows.items()
            },
            soft_skills=self.sections["competences"].soft_skills(),
            barriers=self.sections["freins"].barriers(),
            orientations=self.sections["preconisations"].orientations(),
        )
