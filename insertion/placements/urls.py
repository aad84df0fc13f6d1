from insertion.placements import offer_urls, request_urls

app_name = "placements"
urlpatterns = [*request_urls.urlpatterns, *offer_urls.urlpatterns]
