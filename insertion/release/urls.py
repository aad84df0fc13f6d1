"""The actions of the person page's release preparation (insertion/release/views.py)."""

from django.urls import path

from insertion.release import views

app_name = "release"
urlpatterns = [
    path("personnes/<int:pk>/jalons/", views.milestone_create, name="milestone_create"),
    path(
        "personnes/<int:pk>/jalons/<int:milestone_pk>/etat/",
        views.milestone_status,
        name="milestone_status",
    ),
    path(
        "personnes/<int:pk>/jalons/<int:milestone_pk>/modifier/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "personnes/<int:pk>/jalons/<int:milestone_pk>/deplacer/",
        views.milestone_reorder,
        name="milestone_reorder",
    ),
    path(
        "personnes/<int:pk>/jalons/<int:milestone_pk>/notes/",
        views.milestone_note,
        name="milestone_note",
    ),
    path("personnes/<int:pk>/contacts/", views.contact_create, name="contact_create"),
    path(
        "personnes/<int:pk>/alertes/<int:alert_pk>/vue/",
        views.alert_mark_seen,
        name="alert_mark_seen",
    ),
    path("personnes/<int:pk>/liberation/", views.release_record, name="release_record"),
]
