"""The partnerships officers' pages, under /partenaires/: companies and offers (views.py),
the people an offer fits (matching_views.py), the profiles sent (transmission_views.py); and the
person's agreement, recorded by their CPIP or a manager (agreement_views.py); the referrals to
an offer and their steps (referral_views.py)."""

from django.urls import path

from insertion.partners import (
    agreement_views,
    matching_views,
    referral_views,
    transmission_views,
    views,
)

app_name = "partners"
urlpatterns = [
    path("entreprises/", views.company_list, name="companies"),
    path("entreprises/nouvelle/", views.company_create, name="company_create"),
    path("entreprises/<int:pk>/", views.company_detail, name="company_detail"),
    path("entreprises/<int:pk>/modifier/", views.company_edit, name="company_edit"),
    path("entreprises/<int:pk>/desactiver/", views.company_deactivate, name="company_deactivate"),
    path("entreprises/<int:pk>/reactiver/", views.company_reactivate, name="company_reactivate"),
    path("entreprises/<int:pk>/contacts/ajouter/", views.contact_add, name="contact_add"),
    path(
        "entreprises/<int:pk>/contacts/<int:contact_pk>/retirer/",
        views.contact_remove,
        name="contact_remove",
    ),
    path("offres/", views.offer_list, name="offers"),
    path("entreprises/<int:pk>/offres/nouvelle/", views.offer_create, name="offer_create"),
    path("offres/<int:pk>/modifier/", views.offer_edit, name="offer_edit"),
    path("offres/<int:pk>/desactiver/", views.offer_deactivate, name="offer_deactivate"),
    path("offres/<int:pk>/reactiver/", views.offer_reactivate, name="offer_reactivate"),
    path("offres/<int:pk>/personnes/", matching_views.offer_matches, name="offer_matches"),
    path(
        "offres/<int:pk>/personnes/<int:detainee_pk>/envoi/",
        transmission_views.profile_send,
        name="profile_send",
    ),
    path(
        "offres/<int:pk>/personnes/<int:detainee_pk>/profil.pdf",
        transmission_views.profile_preview_pdf,
        name="profile_preview",
    ),
    path(
        "offres/<int:pk>/envois/",
        transmission_views.offer_transmissions,
        name="offer_transmissions",
    ),
    path(
        "personnes/<int:pk>/accords/nouveau/",
        agreement_views.agreement_create,
        name="agreement_create",
    ),
    path(
        "personnes/<int:pk>/accords/<int:agreement_pk>/retirer/",
        agreement_views.agreement_withdraw,
        name="agreement_withdraw",
    ),
    path(
        "offres/<int:pk>/personnes/<int:detainee_pk>/orientation/",
        referral_views.referral_create,
        name="referral_create",
    ),
    path(
        "orientations/<int:pk>/etape/",
        referral_views.referral_step,
        name="referral_step",
    ),
]
