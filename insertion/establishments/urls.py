from django.urls import path

from insertion.establishments import views

app_name = "establishments"
urlpatterns = [
    path("destinataires/", views.recipient_list, name="recipients"),
    path(
        "<int:establishment_pk>/destinataires/ajouter/",
        views.recipient_add,
        name="recipient_add",
    ),
    path("destinataires/<int:pk>/modifier/", views.recipient_edit, name="recipient_edit"),
    path("destinataires/<int:pk>/retirer/", views.recipient_remove, name="recipient_remove"),
]
