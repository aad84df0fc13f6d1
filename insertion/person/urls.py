"""The person page and the actions of its release preparation and of its requests to the
services of the establishment, under /personnes/<pk>/."""

from django.urls import path

from insertion.person.views import page, plan, requests

app_name = "person"
urlpatterns = [
    path("<int:pk>/", page.detainee_detail, name="detail"),
    path("<int:pk>/jalons/", plan.milestone_create, name="milestone_create"),
    path(
        "<int:pk>/jalons/<int:milestone_pk>/etat/",
        plan.milestone_status,
        name="milestone_status",
    ),
    path(
        "<int:pk>/jalons/<int:milestone_pk>/modifier/",
        plan.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "<int:pk>/jalons/<int:milestone_pk>/deplacer/",
        plan.milestone_reorder,
        name="milestone_reorder",
    ),
    path(
        "<int:pk>/jalons/<int:milestone_pk>/notes/",
        plan.milestone_note,
        name="milestone_note",
    ),
    path("<int:pk>/contacts/", plan.contact_create, name="contact_create"),
    path(
        "<int:pk>/alertes/<int:alert_pk>/vue/",
        plan.alert_mark_seen,
        name="alert_mark_seen",
    ),
    path("<int:pk>/liberation/", plan.release_record, name="release_record"),
    path("<int:pk>/demandes/nouvelle/", requests.request_create, name="request_create"),
    path(
        "<int:pk>/demandes/<int:request_pk>/retrait/",
        requests.request_withdraw,
        name="request_withdraw",
    ),
]
