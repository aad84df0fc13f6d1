from django.urls import path

from entretiens.views import interview, syntheses, worklist

app_name = "entretiens"
urlpatterns = [
    path("syntheses/", syntheses.synthesis_list, name="syntheses"),
    path("syntheses/<int:pk>/pdf/", syntheses.synthesis_download, name="synthesis_pdf"),
    path("entretiens/", worklist.worklist, name="worklist"),
    path("entretiens/<int:pk>/", interview.interview_page, name="interview"),
    path("entretiens/<int:pk>/verifier/", interview.interview_verify, name="verify"),
    path("entretiens/<int:pk>/valider/", interview.interview_validate_view, name="validate"),
    path("entretiens/<int:pk>/rectifier/", interview.interview_rectify_view, name="rectify"),
    path("entretiens/<int:pk>/reporter/", worklist.interview_postpone_view, name="postpone"),
    path("entretiens/<int:pk>/non-realise/", worklist.interview_not_done_view, name="not_done"),
    path("entretiens/<int:pk>/reprendre/", worklist.interview_reopen_view, name="reopen"),
]
