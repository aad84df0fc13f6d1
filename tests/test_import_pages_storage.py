"""Issue 13, where the received extraction files are stored: `ImportRun.file` reads
settings.STORAGES["imports"] at each use (insertion/imports/models.py, ImportStorage), so a
test's override of STORAGES moves the files to its temporary folder and none lands in the
checkout's private folder."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from insertion.imports.models import ImportRun, import_storage
from tests.test_import_apply import SNAPSHOT_HEADER, person

pytestmark = pytest.mark.django_db


def _imports_storage(settings, location) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }


@pytest.fixture(autouse=True)
def storage(tmp_path, settings):
    _imports_storage(settings, tmp_path / "private")


def _upload(client, *lines: str, name: str = "presents.csv") -> ImportRun:
    content = ("\n".join([SNAPSHOT_HEADER, *lines]) + "\n").encode("utf-8")
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(reverse("imports:upload"), {"file": file})
    assert response.status_code == 302
    return ImportRun.objects.latest("pk")


def test_an_uploaded_file_lands_in_the_overridden_storage_not_in_the_private_folder(
    client, manager_fresnes, fresnes, tmp_path, settings
):
    client.force_login(manager_fresnes)
    run = _upload(client, person(1), person(2))
    assert run.file.name
    stored = tmp_path / "private" / run.file.name
    assert stored.is_file()
    assert run.file.path == str(stored)
    assert not (settings.PRIVATE_MEDIA_ROOT / "imports" / run.file.name).exists()
    with run.file.open("rb") as opened:
        assert opened.read().decode("utf-8").startswith(SNAPSHOT_HEADER)


def test_the_storage_is_read_at_each_use(client, manager_fresnes, fresnes, tmp_path, settings):
    client.force_login(manager_fresnes)
    first = _upload(client, person(1), name="premier.csv")
    _imports_storage(settings, tmp_path / "elsewhere")
    second = _upload(client, person(2), name="second.csv")
    assert (tmp_path / "private" / first.file.name).is_file()
    assert (tmp_path / "elsewhere" / second.file.name).is_file()
    assert not (tmp_path / "private" / second.file.name).exists()
    assert not (tmp_path / "elsewhere" / first.file.name).exists()
    # Deleting goes through the storage configured now, too.
    stored = tmp_path / "elsewhere" / second.file.name
    second.file.delete(save=False)
    assert not stored.exists()


def test_the_migrations_still_name_the_storage_callable():
    """The field's migration state is unchanged: `makemigrations --check` stays clean."""
    _, _, _, kwargs = ImportRun._meta.get_field("file").deconstruct()
    assert kwargs["storage"] is import_storage
