from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Insertion — back-office"
admin.site.site_title = "Insertion"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", include("insertion.core.urls")),
    path("", include("insertion.accounts.urls")),
    path("personnes/", include("insertion.detainees.urls")),
    path("personnes/", include("insertion.person.urls")),
    path("", include("insertion.dashboard.caseload_urls")),
    path("pilotage/", include("insertion.dashboard.urls")),
    path("", include("entretiens.urls")),
    path("etablissements/", include("entretiens.recipient_urls")),
    path("imports/", include("insertion.imports.urls")),
    path("activites/", include("insertion.placements.urls")),
    path("partenaires/", include("insertion.partners.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "insertion.core.errors.bad_request"
handler403 = "insertion.core.errors.permission_denied"
handler404 = "insertion.core.errors.page_not_found"
handler500 = "insertion.core.errors.server_error"
