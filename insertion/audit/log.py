"""Writing the access log: one `record()` for every reader and writer of personal data.

The view (or the back-office) that reads or changes a person's data calls `record()` where it
does so, with the person concerned: the line names the user, the action, the object, the person
(`detainee_id`), the establishment, the address and the request id. A POST on a personal-data
URL that records nothing was refused (form errors, 403, 404): the middleware logs it, once
(insertion/audit/middleware.py).
"""

from collections.abc import Iterable

from insertion.audit.models import AccessLog

_LINES_ATTRIBUTE = "_access_log_lines"


class Action:
    """Every action of the log, spelled here only (the column is read by the dashboard's
    unread syntheses and shown in the back-office and the subject-access export)."""

    PERSON_READ = "personne.consultation"
    PERSON_EXPORT = "personne.export_droit_acces"
    CASELOAD_EXPORT = "portefeuille.export"
    INTERVIEW_READ = "entretien.consultation"
    INTERVIEW_DRAFT_SAVE = "entretien.enregistrement"
    INTERVIEW_VALIDATE = "entretien.validation"
    INTERVIEW_RECTIFY = "entretien.rectification"
    INTERVIEW_POSTPONE = "entretien.report"
    INTERVIEW_NOT_DONE = "entretien.non_realise"
    INTERVIEW_REOPEN = "entretien.reprise"
    SYNTHESIS_DOWNLOAD = "synthese.telechargement"
    MILESTONE_ADD = "jalon.ajout"
    MILESTONE_STATUS = "jalon.statut"
    MILESTONE_EDIT = "jalon.modification"
    MILESTONE_NOTE = "jalon.note"
    MILESTONE_MOVE = "jalon.deplacement"
    CONTACT_ADD = "contact.ajout"
    ALERT_SEEN = "alerte.vue"
    RELEASE_FORM_READ = "liberation.consultation"
    RELEASE_RECORD = "liberation.enregistrement"
    REASSIGN_PREVIEW = "referent.reattribution_apercu"
    REASSIGN = "referent.reattribution"
    ADMIN_READ = "admin.consultation"
    ADMIN_HISTORY_READ = "admin.historique"
    ADMIN_ADD = "admin.ajout"
    ADMIN_CHANGE = "admin.modification"
    ADMIN_DELETE = "admin.suppression"
    IMPORT_RUN = "import.depot"
    IMPORT_READ = "import.consultation"
    IMPORT_APPLY = "import.application"
    IMPORT_CANCEL = "import.abandon"
    IMPORT_REPORT = "import.rapport"
    IMPORT_REVIEW_READ = "import.examen"
    IMPORT_REVIEW = "import.decision"
    REQUEST_READ = "demande.consultation"
    REQUEST_CREATE = "demande.creation"
    REQUEST_EXAMINE = "demande.examen"
    REQUEST_ALLOCATE = "demande.affectation"
    REQUEST_REFUSE = "demande.refus"
    REQUEST_WITHDRAW = "demande.retrait"
    REQUEST_FINISH = "demande.fin"
    REQUEST_RANK = "demande.rang"
    STATISTICS_EXPORT = "statistiques.export"
    STATISTICS_REPORT = "statistiques.rapport"
    STATISTICS_SUBSCRIPTION = "statistiques.abonnement"
    AGREEMENT_READ = "accord.consultation"
    AGREEMENT_RECORD = "accord.enregistrement"
    AGREEMENT_WITHDRAW = "accord.retrait"
    PROFILE_PREVIEW = "profil.apercu"
    PROFILE_SEND = "profil.envoi"
    REFERRAL_READ = "orientation.consultation"
    REFERRAL_STEP = "orientation.etape"
    REFUSED = "tentative.refusee"


def _line(*, request, action, obj, person, detainee_id, object_type, object_id, establishment_id):
    if person is not None:
        detainee_id = person.pk
        if establishment_id is None:
            establishment_id = person.establishment_id
    return AccessLog(
        user=request.user,
        action=action,
        object_type=obj._meta.model_name if obj is not None else object_type,
        object_id=obj.pk if obj is not None else object_id,
        detainee_id=detainee_id,
        establishment_id=establishment_id,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        request_id=getattr(request, "request_id", ""),
    )


def _count(request, lines: int) -> None:
    setattr(request, _LINES_ATTRIBUTE, lines_written(request) + lines)


def record(
    *,
    request,
    action: str,
    obj=None,
    person=None,
    detainee_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    establishment_id: int | None = None,
) -> AccessLog:
    """One line for the request's user about `obj` (or, obj None, a kind of thing such as an
    export: `object_type="export"`). `person`, the Detainee concerned, fills `detainee_id` and,
    unless given, `establishment_id` (the person's current establishment)."""
    line = _line(
        request=request,
        action=action,
        obj=obj,
        person=person,
        detainee_id=detainee_id,
        object_type=object_type,
        object_id=object_id,
        establishment_id=establishment_id,
    )
    line.save()
    _count(request, 1)
    return line


def record_each(*, request, action: str, people: Iterable) -> list[AccessLog]:
    """One line per person (a page or an action about several people), in one query."""
    lines = [
        _line(
            request=request,
            action=action,
            obj=person,
            person=person,
            detainee_id=None,
            object_type="",
            object_id=None,
            establishment_id=None,
        )
        for person in people
    ]
    AccessLog.objects.bulk_create(lines)
    _count(request, len(lines))
    return lines


def lines_written(request) -> int:
    """How many lines this request has written so far."""
    return getattr(request, _LINES_ATTRIBUTE, 0)
