"""Where each orientation of a validated interview goes: a service of the establishment, or the
CPIP's release plan (issue 14). The synthesis's first page, "L'essentiel", names it.

One table, in a module of its own: the synthesis PDF reads it (entretiens.pdf), and
entretiens.synthesis cannot be that home, since it imports the tasks that import the PDF. A later
step replaces it by the service of the request each orientation becomes.
"""

from entretiens.choices import OrientationKind

PRISON_WORK_SERVICE = "Service du travail / concessionnaire"
TRAINING_SERVICE = "Formation professionnelle"
TEACHING_SERVICE = "Unité locale d'enseignement"
CPIP_PLAN = "CPIP (plan de sortie)"

# Where each orientation of a validated interview goes, as the synthesis's first page says:
# a service of the establishment, or the CPIP's release plan. One table, to be replaced by the
# service of the request each orientation becomes (issue 14, "Requests and waiting lists").
ORIENTATION_SERVICES = {
    OrientationKind.PRISON_WORK: PRISON_WORK_SERVICE,
    OrientationKind.VOCATIONAL_TRAINING: TRAINING_SERVICE,
    OrientationKind.EDUCATION: TEACHING_SERVICE,
    OrientationKind.ILLITERACY: TEACHING_SERVICE,
    OrientationKind.DIGITAL: TEACHING_SERVICE,
    OrientationKind.ARRANGEMENT: CPIP_PLAN,
    OrientationKind.EMPLOYMENT_SERVICES: CPIP_PLAN,
    OrientationKind.RIGHTS: CPIP_PLAN,
    OrientationKind.CARE: CPIP_PLAN,
    OrientationKind.ADDICTION: CPIP_PLAN,
    OrientationKind.SAS: CPIP_PLAN,
    OrientationKind.PARTNER_COMPANY: CPIP_PLAN,
}


def orientation_service(kind: str) -> str:
    """The service an orientation of this kind goes to ("À préciser" for a kind unknown here)."""
    return ORIENTATION_SERVICES.get(kind, "À préciser")
