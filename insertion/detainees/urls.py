from django.urls import path

from insertion.detainees import views

app_name = "detainees"
urlpatterns = [
    path("", views.detainee_list, name="list"),
]
