
app_name = "expert"

urlpatterns: list = []
