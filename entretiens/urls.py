from django.urls import path

from entretiens import views

app_name = "entretiens"
urlpatterns = [path("syntheses/", views.synthesis_list, name="syntheses")]
