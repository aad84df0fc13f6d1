"""The synthesis recipients of each establishment, under /etablissements/ (managers).

Their own namespace: these pages hold no person's data, unlike the interviews' URLs (the access
log's middleware treats the "entretiens" namespace as personal data).
"""

from django.urls import path

from entretiens.views import recipients

app_name = "establishments"
urlpatterns = [
    path("destinataires/", recipients.recipient_list, name="recipients"),
    path(
        "<int:establishment_pk>/destinataires/ajouter/",
        recipients.recipient_add,
        name="recipient_add",
    ),
    path(
        "destinataires/<int:pk>/modifier/",
        recipients.recipient_edit,
        name="recipient_edit",
    ),
    path(
        "destinataires/<int:pk>/retirer/",
        recipients.recipient_remove,
        name="recipient_remove",
    ),
]
