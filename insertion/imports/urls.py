from django.urls import path

from insertion.imports import review_views, views

app_name = "imports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("deposer/", views.run_upload, name="upload"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/progression/", views.run_progress, name="progress"),
    path("<int:pk>/appliquer/", views.run_apply, name="apply"),
    path("<int:pk>/abandonner/", views.run_cancel, name="cancel"),
    path("<int:pk>/rejets.csv", views.run_rejected, name="rejected"),
    path("a-examiner/", review_views.review_queue, name="review"),
    path("a-examiner/lignes/<int:pk>/", review_views.review_row, name="review_row"),
    path(
        "a-examiner/divergences/<int:pk>/",
        review_views.review_divergence,
        name="review_divergence",
    ),
]
