"""The REST API (/api/v1/): studies, framework, panel, rounds, results and answers.

Authenticate with a session (the site's sign-in) or a token: `python manage.py drf_create_token
USERNAME` prints one; send it as `Authorization: Token <key>`. The schema is at /api/schema/ and
Swagger UI at /api/docs/.
"""
