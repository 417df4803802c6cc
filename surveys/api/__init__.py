"""The REST API (/api/v1/): studies, framework, panel, rounds, results and answers.

Authenticate with a session (the site's sign-in) or a key: `python manage.py api_key USERNAME`
prints a new one (`surveys.api.keys`); send it as `Authorization: Token <key>`. The schema is at
/api/schema/ and Swagger UI at /api/docs/.
"""
