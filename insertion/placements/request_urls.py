"""The prison team's work queue, the waiting lists and the requests (mounted at /activites/ by
urls.py, namespace "placements")."""

from django.urls import path

from insertion.placements.views import queue, requests

urlpatterns = [
    path("", queue.work_queue, name="queue"),
    path("listes/<str:kind>/", queue.waiting_list_page, name="waiting_list"),
    path("demandes/nouvelle/", requests.request_create, name="request_create"),
    path("demandes/<int:pk>/", requests.request_detail, name="request_detail"),
    path("demandes/<int:pk>/examiner/", requests.request_examine, name="request_examine"),
    path("demandes/<int:pk>/affecter/", requests.request_allocate, name="request_allocate"),
    path("demandes/<int:pk>/refuser/", requests.request_refuse, name="request_refuse"),
    path("demandes/<int:pk>/retrait/", requests.request_withdraw, name="request_withdraw"),
    path("demandes/<int:pk>/terminer/", requests.request_finish, name="request_finish"),
    path("demandes/<int:pk>/rang/", requests.request_rank, name="request_rank"),
]
