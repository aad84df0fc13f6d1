"""The offers of the establishment (views/offers.py), under /activites/offres/."""

from django.urls import path

from insertion.placements.views import offers

urlpatterns = [
    path("offres/", offers.offer_list, name="offers"),
    path("offres/nouvelle/", offers.offer_create, name="offer_create"),
    path("offres/<int:pk>/modifier/", offers.offer_edit, name="offer_edit"),
    path("offres/<int:pk>/desactiver/", offers.offer_deactivate, name="offer_deactivate"),
    path("offres/<int:pk>/reactiver/", offers.offer_reactivate, name="offer_reactivate"),
]
