"""The subject-access export (RGPD, droit d'accès): everything the application holds on one
person, as a JSON file and a PDF, in one ZIP, from the back-office (access-logged)."""

import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from entretiens.models import Interview, Synthesis
from entretiens.pdf import html_to_pdf
from insertion.audit.models import AccessLog
from insertion.detainees.models import Detainee
from insertion.partners.models import Agreement, ProfileTransmission, Referral
from insertion.placements.models import PlacementRequest
from insertion.release.models import Milestone, ReleasePlan


def _date(value):
    return value.isoformat() if value else None


def subject_access_data(detainee: Detainee) -> dict:
    """Every row about the person, in plain values (a few queries, one per kind of row)."""
    interviews = Interview.objects.filter(detainee=detainee).prefetch_related("versions")
    syntheses = (
        Synthesis.objects.filter(interview__detainee=detainee)
        .prefetch_related("deliveries")
        .order_by("pk")
    )
    milestones = (
        Milestone.objects.filter(plan__detainee=detainee)
        .prefetch_related("changes__by", "notes__by")
        .order_by("position", "pk")
    )

    plan = ReleasePlan.objects.filter(detainee=detainee).first()
    return {
        "export": {"date": timezone.now().isoformat(timespec="seconds")},
        "personne": {
            "nom": detainee.last_name,
            "prenom": detainee.first_name,
            "nom_d_usage": detainee.usage_name,
            "identifiant_national": detainee.national_id,
            # What the last extraction of the prison information system said of the person.
            "valeurs_de_l_extraction": detainee.source_values,
            "date_de_naissance": _date(detainee.birth_date),
            "sexe": detainee.get_sex_display(),
            "etablissement": detainee.establishment.name,
            "ecrou": detainee.ecrou_number,
            "statut": detainee.get_legal_status_display(),
            "categorie": detainee.get_offence_category_display(),
            "ecrou_initial": _date(detainee.custody_start),
            "arrivee": _date(detainee.arrival_date),
            "dlp": _date(detainee.expected_release_date),
            "liberation": _date(detainee.release_date),
            "type_de_sortie": detainee.get_release_kind_display(),
            "cpip_referent": detainee.referent.get_full_name() if detainee.referent else None,
        },
        "incarcerations": [
            {
                "etablissement": stay.establishment.name,
                "ecrou": stay.ecrou_number,
                "arrivee": _date(stay.arrival_date),
                "depart": _date(stay.departure_date),
                "motif": stay.get_departure_reason_display(),
            }
            for stay in detainee.incarcerations.select_related("establishment").order_by("pk")
        ],
        "historique_dlp": [
            {
                "le": _date(change.changed_on),
                "ancienne": _date(change.previous_date),
                "nouvelle": _date(change.new_date),
                "motif": change.get_reason_display(),
            }
            for change in detainee.release_date_changes.order_by("changed_on", "pk")
        ],
        "amenagements": [
            {
                "mesure": arrangement.get_kind_display(),
                "decision": arrangement.get_status_display(),
                "demande_le": _date(arrangement.requested_on),
                "decide_le": _date(arrangement.decided_on),
                "observations": arrangement.notes,
            }
            for arrangement in detainee.arrangements.order_by("requested_on", "pk")
        ],
        "contacts": [
            {"le": _date(c.on_date), "type": c.get_kind_display(), "objet": c.subject}
            for c in detainee.contacts.order_by("on_date", "pk")
        ],
        "demandes_d_activite": [
            {
                "type": request.get_offer_kind_display(),
                "priorite": request.get_priority_display(),
                "origine": request.get_origin_display(),
                "etat": request.status_label,
                "precisions": request.details,
                "historique": "; ".join(
                    f"{_date(event.at.date())} : {event.get_to_status_display()}"
                    + (f" ({event.note})" if event.note else "")
                    for event in request.events.all()
                ),
            }
            for request in PlacementRequest.objects.filter(detainee=detainee)
            .prefetch_related("events")
            .order_by("created_at", "pk")
        ],
        # Partner companies: what the person agreed to share, and every profile sent about them.
        "accords_entreprises": [
            {
                "entreprise": agreement.company.name,
                "offre": agreement.offer.title if agreement.offer_id else "toute offre",
                "elements_partages": ", ".join(agreement.shared_labels),
                "accord_donne_le": _date(agreement.agreed_on),
                "enregistre_le": agreement.recorded_at.isoformat(timespec="seconds"),
                "retire_le": agreement.withdrawn_at.isoformat(timespec="seconds")
                if agreement.withdrawn_at
                else None,
                "motif_du_retrait": agreement.withdrawal_note,
            }
            for agreement in Agreement.objects.filter(detainee=detainee)
            .select_related("company", "offer")
            .order_by("recorded_at", "pk")
        ],
        "profils_envoyes": [
            {
                "entreprise": sent.offer.company.name,
                "offre": sent.offer.title,
                "envoye_a": f"{sent.contact_name} ({sent.email})",
                "elements_partages": ", ".join(["Prénom", *sent.shared_labels]),
                "demande_le": sent.created_at.isoformat(timespec="seconds"),
                "envoye_le": sent.sent_at.isoformat(timespec="seconds") if sent.sent_at else None,
                "etat": sent.get_status_display(),
            }
            for sent in ProfileTransmission.objects.filter(agreement__detainee=detainee)
            .select_related("offer__company")
            .order_by("created_at", "pk")
        ],
        "orientations_entreprises": [
            {
                "entreprise": referral.offer.company.name,
                "offre": referral.offer.title,
                "etape": referral.get_status_display(),
                "historique": "; ".join(
                    f"{event.get_status_display()} le {_date(event.on)}"
                    + (f" ({event.note})" if event.note else "")
                    for event in referral.events.all()
                ),
            }
            for referral in Referral.objects.filter(detainee=detainee)
            .select_related("offer__company")
            .prefetch_related("events")
            .order_by("created_at", "pk")
        ],
        "plan_de_sortie": {
            "cree_le": plan.created_at.isoformat(timespec="seconds") if plan else None,
            "clos_le": _date(plan.closed_on) if plan else None,
            "jalons": [
                {
                    "intitule": m.label,
                    "theme": m.get_category_display(),
                    "essentiel": m.essential,
                    "frein": m.barrier_note,
                    "preconisation": m.orientation_note,
                    "etat": m.get_status_display(),
                    "date_cible": _date(m.target_date),
                    "porte_par": m.owner,
                    "fait_le": _date(m.done_on),
                    "sans_objet": m.not_applicable_reason,
                    "historique": [
                        {
                            "le": ch.at.isoformat(timespec="seconds"),
                            "de": ch.get_from_status_display(),
                            "a": ch.get_to_status_display(),
                        }
                        for ch in m.changes.all()
                    ],
                    "notes": [
                        {"le": n.at.isoformat(timespec="seconds"), "note": n.text}
                        for n in m.notes.all()
                    ],
                }
                for m in milestones
            ],
        },
        "entretiens": [
            {
                "etat": interview.get_status_display(),
                "arrivee": _date(interview.arrival_date),
                "realise_le": _date(interview.conducted_on),
                "versions": [
                    {"numero": version.number, "contenu": version.content}
                    for version in interview.versions.order_by("number")
                ],
            }
            for interview in interviews.order_by("pk")
        ],
        "syntheses": [
            {
                "version": synthesis.number,
                "etat": synthesis.get_status_display(),
                "a_transmettre_avant": _date(synthesis.due_date),
                "envoyee_le": synthesis.delivered_at.isoformat(timespec="seconds")
                if synthesis.delivered_at
                else None,
                "envois": [
                    {"destinataire": d.email, "etat": d.get_status_display()}
                    for d in synthesis.deliveries.all()
                ],
            }
            for synthesis in syntheses
        ],
        "journal_des_acces": [
            {
                "le": line.at.isoformat(timespec="seconds"),
                "par": line.user.email,
                "action": line.action,
            }
            for line in AccessLog.objects.for_detainee(detainee.pk)
            .select_related("user")
            .order_by("at", "pk")
        ],
    }


def subject_access_zip(detainee: Detainee) -> tuple[str, bytes]:
    """(file name, ZIP bytes) with donnees.json and donnees.pdf."""
    data = subject_access_data(detainee)
    html = render_to_string(
        "detainees/subject_access.html", {"data": data, "detainee": detainee, "labels": LABELS}
    )
    pdf = html_to_pdf(html)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("donnees.pdf", pdf)
    name = f"droit-acces-{detainee.ecrou_number}-{timezone.localdate():%Y%m%d}.zip"
    return name, buffer.getvalue()


# The French labels of the JSON keys, for the PDF (the JSON keeps its plain keys).
LABELS = {
    "nom": "Nom",
    "prenom": "Prénom",
    "nom_d_usage": "Nom d'usage",
    "identifiant_national": "Identifiant national (système d'information pénitentiaire)",
    "valeurs_de_l_extraction": "Valeurs de la dernière extraction",
    "numero_ecrou": "N° d'écrou",
    "nom_usage": "Nom d'usage",
    "categorie_infraction": "Catégorie d'infraction",
    "date_de_naissance": "Date de naissance",
    "sexe": "Sexe",
    "etablissement": "Établissement",
    "ecrou": "N° d'écrou",
    "statut": "Statut",
    "categorie": "Catégorie d'infraction",
    "ecrou_initial": "Date d'écrou initial",
    "arrivee": "Arrivée",
    "dlp": "Date de libération prévisible",
    "liberation": "Libération",
    "type_de_sortie": "Type de sortie",
    "cpip_referent": "CPIP référent",
    "depart": "Départ",
    "motif": "Motif",
    "le": "Le",
    "ancienne": "Ancienne DLP",
    "nouvelle": "Nouvelle DLP",
    "mesure": "Mesure",
    "decision": "Décision",
    "demande_le": "Demandé le",
    "decide_le": "Décidé le",
    "observations": "Observations",
    "type": "Type",
    "objet": "Objet",
    "priorite": "Priorité",
    "origine": "Origine",
    "precisions": "Précisions",
    "historique": "Historique",
    "version": "Version",
    "etat": "État",
    "a_transmettre_avant": "À transmettre avant le",
    "envoyee_le": "Envoyée le",
    "envois": "Envois",
    "par": "Par",
    "action": "Action",
    "entreprise": "Entreprise",
    "offre": "Offre",
    "elements_partages": "Éléments partagés",
    "accord_donne_le": "Accord donné le",
    "enregistre_le": "Enregistré le",
    "retire_le": "Retiré le",
    "motif_du_retrait": "Motif du retrait",
    "envoye_a": "Envoyé à",
    "envoye_le": "Envoyé le",
    "etape": "Étape",
}
