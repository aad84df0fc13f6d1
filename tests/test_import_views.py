"""Issue 13, the import pages (insertion/imports/views.py): upload, preview, apply with its
progress, cancel, the report and the CSV of the rejected rows; who may open them, the access
log, and query counts that do not grow with the rows."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from insertion.audit.log import Action
from insertion.audit.models import AccessLog
from insertion.detainees.models import Detainee
from insertion.imports.models import ImportRow, ImportRun, RowStatus, RunSource, RunStatus
from insertion.imports.runs import receive_file
from tests.factories import DetaineeFactory, UserFactory
from tests.test_import_apply import SNAPSHOT_HEADER, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


def csv_file(*lines: str, name: str = "presents.csv") -> SimpleUploadedFile:
    content = "\n".join([SNAPSHOT_HEADER, *lines]) + "\n"
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def make_run(tmp_path):
    counter = iter(range(1000))

    def _make(*lines: str, code: str = "FRE") -> ImportRun:
        path = tmp_path / f"extraction-{next(counter)}.csv"
        path.write_text("\n".join([SNAPSHOT_HEADER, *lines]) + "\n", encoding="utf-8")
        return receive_file(path=path, filename=path.name, source=RunSource.COMMAND)

    return _make


@pytest.fixture
def run_fresnes(fresnes, make_run):
    return make_run(person(1), person(2), person(3, birth="31/02/1990"))


@pytest.fixture
def manager_lyon(lyon):
    return UserFactory(manager=True, establishments=[lyon])


def upload(client, file):
    return client.post(reverse("imports:upload"), {"file": file})


# --- Access ---------------------------------------------------------------------------------

RUN_VIEWS = [
    ("imports:run", "get"),
    ("imports:progress", "get"),
    ("imports:apply", "post"),
    ("imports:cancel", "get"),
    ("imports:cancel", "post"),
    ("imports:rejected", "get"),
]
ALL_VIEWS = [("imports:list", "get", False), ("imports:upload", "post", False)] + [
    (name, method, True) for name, method in RUN_VIEWS
]


def _url(name, with_run, run):
    return reverse(name, kwargs={"pk": run.pk}) if with_run else reverse(name)


@pytest.mark.parametrize(("name", "method", "with_run"), ALL_VIEWS)
def test_anonymous_is_sent_to_the_login_page(client, run_fresnes, name, method, with_run):
    url = _url(name, with_run, run_fresnes)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("role", ["cpip", "interviewer", "prison_team", "national"])
@pytest.mark.parametrize(("name", "method", "with_run"), ALL_VIEWS)
def test_other_roles_get_403(client, fresnes, run_fresnes, role, name, method, with_run):
    establishments = [] if role == "national" else [fresnes]
    client.force_login(UserFactory(**{role: True}, establishments=establishments))
    response = getattr(client, method)(_url(name, with_run, run_fresnes))
    assert response.status_code == 403
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.PREVIEWED


@pytest.mark.parametrize(("name", "method"), RUN_VIEWS)
def test_a_manager_of_another_prison_gets_404(client, manager_lyon, run_fresnes, name, method):
    client.force_login(manager_lyon)
    response = getattr(client, method)(
        reverse(name, kwargs={"pk": run_fresnes.pk}), {"appliquer": "1", "confirmer": "1"}
    )
    assert response.status_code == 404
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.PREVIEWED


def test_the_history_shows_only_the_managers_establishments(
    client, manager_lyon, run_fresnes, make_run, lyon
):
    lyon_run = make_run(person(50, code="LYO"))
    client.force_login(manager_lyon)
    response = client.get(reverse("imports:list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert lyon_run.filename in content
    assert run_fresnes.filename not in content


def test_an_administrator_sees_every_run(client, superuser, run_fresnes):
    client.force_login(superuser)
    response = client.get(reverse("imports:run", kwargs={"pk": run_fresnes.pk}))
    assert response.status_code == 200


def test_the_history_says_when_nothing_was_imported(client, manager_fresnes):
    client.force_login(manager_fresnes)
    response = client.get(reverse("imports:list"))
    assert "Aucun fichier n'a encore été importé" in response.content.decode()
    assert 'accept=".csv,.xlsx"' in response.content.decode()


def test_managers_and_administrators_find_the_imports_in_the_navigation(
    client, manager_fresnes, superuser
):
    entry = {"label": "Imports", "url": reverse("imports:list"), "active": True}
    for user in (manager_fresnes, superuser):
        client.force_login(user)
        assert entry in client.get(reverse("imports:list")).context["nav_items"]
    client.force_login(UserFactory(cpip=True))
    labels = [
        item["label"] for item in client.get(reverse("caseload:dashboard")).context["nav_items"]
    ]
    assert "Imports" not in labels


# --- Upload ---------------------------------------------------------------------------------


def test_a_valid_file_shows_its_preview_in_words(client, manager_fresnes, fresnes):
    client.force_login(manager_fresnes)
    response = upload(client, csv_file(person(1), person(2), person(3, birth="31/02/1990")))
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:run", kwargs={"pk": run.pk})
    assert run.source == RunSource.UPLOAD
    assert run.created_by == manager_fresnes
    assert run.status == RunStatus.PREVIEWED
    page = client.get(response["Location"]).content.decode()
    assert "2 arrivées et 1 ligne en erreur" in page
    assert "Appliquer" in page
    assert "NOM1 Prénom" in page
    assert AccessLog.objects.filter(
        user=manager_fresnes, action=Action.IMPORT_RUN, object_id=run.pk
    ).exists()
    assert AccessLog.objects.filter(action=Action.IMPORT_READ, object_id=run.pk).count() == 1
    assert Detainee.objects.count() == 0  # the preview writes nothing


def test_a_file_of_another_establishment_is_refused_with_a_message(
    client, manager_lyon, fresnes, lyon
):
    client.force_login(manager_lyon)
    response = upload(client, csv_file(person(1)))
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == RunStatus.REFUSED
    # Its sender finds it again in the history, with the reason, and nobody else does.
    assert response["Location"] == reverse("imports:run", args=[run.pk])
    assert run.pk in [r.pk for r in ImportRun.objects.visible_to(manager_lyon)]
    assert not ImportRun.objects.visible_to(UserFactory(manager=True, establishments=[lyon]))
    page = client.get(response["Location"]).content.decode()
    assert "Le fichier a été refusé" in page
    assert "ne fait pas partie de vos" in page
    assert AccessLog.objects.filter(action=Action.IMPORT_RUN, object_id=run.pk).exists()


def test_what_a_refused_file_says_is_shown_as_text_never_as_markup(
    client, manager_fresnes, fresnes
):
    client.force_login(manager_fresnes)
    response = client.post(
        reverse("imports:upload"), {"file": csv_file(person(1, code="<b>XX</b>"))}, follow=True
    )
    page = response.content.decode()
    # The code is quoted (upper-cased) in the flash message and on the run page, as text.
    assert page.count("&lt;B&gt;XX&lt;/B&gt;") == 2
    assert "<B>XX</B>" not in page


def test_a_refused_file_of_the_managers_establishment_shows_its_run_page(
    client, manager_fresnes, fresnes
):
    client.force_login(manager_fresnes)
    bad = SimpleUploadedFile("presents.csv", b"nom;prenom\nA;B\n", content_type="text/csv")
    response = upload(client, bad)
    run = ImportRun.objects.get()
    assert run.status == RunStatus.REFUSED
    # Refused before its establishment was read: the manager gets the message on the list.
    page = client.get(response["Location"]).content.decode()
    assert "Le fichier a été refusé" in page
    assert "Colonnes obligatoires absentes" in page


def test_the_same_file_twice_is_the_same_run(client, manager_fresnes, fresnes):
    client.force_login(manager_fresnes)
    first = upload(client, csv_file(person(1)))
    second = upload(client, csv_file(person(1)))
    assert ImportRun.objects.count() == 1
    assert first["Location"] == second["Location"]
    page = client.get(second["Location"]).content.decode()
    assert "Ce fichier a déjà été importé" in page


def test_no_file_is_a_form_error(client, manager_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(reverse("imports:upload"), {})
    assert response.status_code == 400
    assert "Choisissez le fichier d&#x27;extraction à importer." in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_an_empty_file_is_a_form_error(client, manager_fresnes):
    client.force_login(manager_fresnes)
    response = upload(client, SimpleUploadedFile("vide.csv", b"", content_type="text/csv"))
    assert response.status_code == 400
    assert "Le fichier envoyé est vide" in response.content.decode()
    assert ImportRun.objects.count() == 0


def test_an_oversized_file_is_refused_and_nothing_is_stored(
    client, manager_fresnes, fresnes, settings, tmp_path
):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(manager_fresnes)
    response = upload(client, csv_file(person(1), person(2)))
    assert response.status_code == 400
    assert "au-delà de la taille maximale de 100" in response.content.decode()
    assert ImportRun.objects.count() == 0
    assert not (tmp_path / "private").exists() or not any((tmp_path / "private").rglob("*.*"))


# --- Apply, progress, cancel ---------------------------------------------------------------


def test_apply_creates_the_people_and_the_run_is_applied(
    client, manager_fresnes, fresnes, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(manager_fresnes)
    run_url = upload(client, csv_file(person(1), person(2)))["Location"]
    run = ImportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:apply", kwargs={"pk": run.pk}), {"appliquer": "1"})
    assert response.status_code == 302
    assert response["Location"] == run_url
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED
    assert run.applied_by == manager_fresnes
    assert set(Detainee.objects.values_list("national_id", flat=True)) == {
        "GEN0000001",
        "GEN0000002",
    }
    assert AccessLog.objects.filter(action=Action.IMPORT_APPLY, object_id=run.pk).count() == 1
    page = client.get(run_url).content.decode()
    assert "Import terminé" in page
    assert 'hx-trigger="every 2s"' not in page


def test_an_empty_post_applies_nothing(client, manager_fresnes, run_fresnes):
    client.force_login(manager_fresnes)
    response = client.post(reverse("imports:apply", kwargs={"pk": run_fresnes.pk}))
    assert response.status_code == 302
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.PREVIEWED


def test_a_run_cannot_be_applied_twice(
    client, manager_fresnes, run_fresnes, django_capture_on_commit_callbacks
):
    client.force_login(manager_fresnes)
    url = reverse("imports:apply", kwargs={"pk": run_fresnes.pk})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"appliquer": "1"})
        response = client.post(url, {"appliquer": "1"}, follow=True)
    assert len(callbacks) == 1
    assert "il a déjà été lancé ou abandonné" in response.content.decode()


def test_the_progress_fragment_polls_while_the_run_is_applied(client, manager_fresnes, run_fresnes):
    ImportRun.objects.filter(pk=run_fresnes.pk).update(
        status=RunStatus.APPLYING, rows_total=40, rows_done=10
    )
    client.force_login(manager_fresnes)
    url = reverse("imports:progress", kwargs={"pk": run_fresnes.pk})
    fragment = client.get(url).content.decode()
    assert f'hx-get="{url}"' in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert 'hx-swap="outerHTML"' in fragment
    assert 'max="40"' in fragment and 'value="10"' in fragment
    assert "10 lignes sur 40 (25 %)" in fragment
    assert "<html" not in fragment
    # The run page (a reload) shows the same progress, polled.
    page = client.get(reverse("imports:run", kwargs={"pk": run_fresnes.pk})).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert ">Appliquer<" not in page


def test_the_progress_fragment_stops_polling_once_applied(client, manager_fresnes, run_fresnes):
    ImportRun.objects.filter(pk=run_fresnes.pk).update(
        status=RunStatus.APPLIED, rows_total=40, rows_done=40
    )
    client.force_login(manager_fresnes)
    fragment = client.get(
        reverse("imports:progress", kwargs={"pk": run_fresnes.pk})
    ).content.decode()
    assert "hx-trigger" not in fragment
    assert "Import terminé" in fragment
    assert reverse("imports:run", kwargs={"pk": run_fresnes.pk}) in fragment
    assert "Recharger la page pour lire le rapport" in fragment
    # The page itself already shows the report: it does not ask to be reloaded.
    page = client.get(reverse("imports:run", kwargs={"pk": run_fresnes.pk})).content.decode()
    assert "Import terminé" in page and "Recharger la page" not in page


@pytest.fixture
def truncated_run(fresnes, make_run):
    for number in range(1, 11):
        DetaineeFactory(establishment=fresnes, national_id=f"GEN{number:07d}")
    run = make_run(person(1))
    assert run.closes_share > 0.5
    return run


def test_a_truncated_snapshot_needs_the_closures_confirmed(
    client, manager_fresnes, truncated_run, django_capture_on_commit_callbacks
):
    client.force_login(manager_fresnes)
    run_url = reverse("imports:run", kwargs={"pk": truncated_run.pk})
    page = client.get(run_url).content.decode()
    assert "Je confirme" in page
    assert "ne contient pas 90 % des personnes" in page
    url = reverse("imports:apply", kwargs={"pk": truncated_run.pk})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refused = client.post(url, {"appliquer": "1"})
    assert refused.status_code == 400
    assert "Cochez la case pour confirmer ces fermetures" in refused.content.decode()
    assert callbacks == []
    truncated_run.refresh_from_db()
    assert truncated_run.status == RunStatus.PREVIEWED
    assert not truncated_run.closing_confirmed
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        confirmed = client.post(url, {"appliquer": "1", "confirm_closing": "on"})
    assert confirmed.status_code == 302
    assert len(callbacks) == 1
    truncated_run.refresh_from_db()
    assert truncated_run.closing_confirmed
    assert truncated_run.status == RunStatus.APPLYING


def test_cancel_asks_then_abandons_the_preview(client, manager_fresnes, run_fresnes):
    client.force_login(manager_fresnes)
    url = reverse("imports:cancel", kwargs={"pk": run_fresnes.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Abandonner cet import" in page.content.decode()
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.PREVIEWED
    response = client.post(url, {"confirmer": "1"}, follow=True)
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.CANCELLED
    assert "import a été abandonné : rien n" in response.content.decode()
    assert AccessLog.objects.filter(action=Action.IMPORT_CANCEL, object_id=run_fresnes.pk).exists()


def test_an_applied_run_cannot_be_cancelled(client, manager_fresnes, run_fresnes):
    ImportRun.objects.filter(pk=run_fresnes.pk).update(status=RunStatus.APPLIED)
    client.force_login(manager_fresnes)
    client.post(reverse("imports:cancel", kwargs={"pk": run_fresnes.pk}), {"confirmer": "1"})
    assert ImportRun.objects.get(pk=run_fresnes.pk).status == RunStatus.APPLIED


# --- Report ---------------------------------------------------------------------------------


def test_the_rows_filter_by_status(client, manager_fresnes, run_fresnes):
    client.force_login(manager_fresnes)
    url = reverse("imports:run", kwargs={"pk": run_fresnes.pk})
    rejected = client.get(url, {"etat": RowStatus.REJECTED})
    rows = list(rejected.context["page_obj"].object_list)
    assert [row.line for row in rows] == [4]
    assert all(row.status == RowStatus.REJECTED for row in rows)
    everything = client.get(url)
    assert [row.line for row in everything.context["page_obj"].object_list] == [2, 3, 4]
    fragment = client.get(url, {"etat": RowStatus.PENDING}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert [row.line for row in fragment.context["page_obj"].object_list] == [2, 3]


def test_the_rejected_rows_csv_neutralises_formulas(client, manager_fresnes, fresnes, make_run):
    run = make_run(person(1), person(2, birth="31/02/1990"))
    ImportRow.objects.filter(run=run, status=RowStatus.REJECTED).update(
        raw={"identifiant_national": "GEN0000002", "nom": "=HYPERLINK(1)", "prenom": "+1"},
        message="-date impossible",
    )
    client.force_login(manager_fresnes)
    response = client.get(reverse("imports:rejected", kwargs={"pk": run.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert lines == [
        ["ligne", "identifiant_national", "nom", "prenom", "motif"],
        ["3", "GEN0000002", "'=HYPERLINK(1)", "'+1", "'-date impossible"],
    ]
    assert AccessLog.objects.filter(
        user=manager_fresnes, action=Action.IMPORT_REPORT, object_id=run.pk
    ).exists()


def test_the_rejected_rows_csv_keeps_the_cells_as_written(client, manager_fresnes, run_fresnes):
    client.force_login(manager_fresnes)
    body = client.get(reverse("imports:rejected", kwargs={"pk": run_fresnes.pk})).content
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][0] == "ligne" and lines[0][-1] == "motif"
    assert "date_naissance" in lines[0]
    assert len(lines) == 2
    assert lines[1][0] == "4"
    assert lines[1][lines[0].index("date_naissance")] == "31/02/1990"


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("runs", [2, 30])
def test_the_history_costs_the_same_whatever_the_runs(
    client, manager_fresnes, fresnes, make_run, runs, django_assert_num_queries
):
    for number in range(runs):
        make_run(person(number + 1, at=f"01/12/2026 {number % 24:02d}:{number // 24:02d}"))
    client.force_login(manager_fresnes)
    url = reverse("imports:list")
    client.get(url)
    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == min(runs, 25)


@pytest.mark.parametrize("rows", [3, 80])
def test_the_run_page_costs_the_same_whatever_the_rows(
    client, manager_fresnes, fresnes, make_run, rows, django_assert_num_queries
):
    run = make_run(*(person(number + 1) for number in range(rows)))
    client.force_login(manager_fresnes)
    url = reverse("imports:run", kwargs={"pk": run.pk})
    client.get(url)
    with django_assert_num_queries(RUN_PAGE_QUERIES):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == min(rows, 50)


# Session, user, second factor, the user's establishments, then the page's own queries.
HISTORY_QUERIES = 7
RUN_PAGE_QUERIES = 10
